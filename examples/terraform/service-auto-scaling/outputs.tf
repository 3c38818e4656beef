output "cluster_name" {
  value = aws_ecs_cluster.main.name
}

output "service_name" {
  value = aws_ecs_service.worker.name
}

output "scalable_target_resource_id" {
  value = aws_appautoscaling_target.worker.resource_id
}

output "backlog_alarm_arn" {
  value = aws_cloudwatch_metric_alarm.backlog_high.arn
}

output "backlog_policy_arn" {
  value = aws_appautoscaling_policy.backlog.arn
}
