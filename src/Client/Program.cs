Console.WriteLine("client: under construction");
