output "cluster_name" {
  value = aws_ecs_cluster.main.name
}

output "service_name" {
  value = aws_ecs_service.app.name
}

output "task_definition_arn" {
  value = aws_ecs_task_definition.app.arn
}

output "subnet_zones" {
  value = aws_subnet.private[*].availability_zone
}

output "load_balancer_dns_name" {
  value = aws_lb.frontend.dns_name
}

output "load_balancer_arn" {
  value = aws_lb.frontend.arn
}
