Console.WriteLine("silo: under construction");
