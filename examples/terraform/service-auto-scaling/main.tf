# Service auto scaling as Terraform (the seed talk's "Service Autoscaling with Service Metrics" chapter, without the
# load balancer, which the emulator does not model yet): a Fargate service whose desired count Application Auto
# Scaling owns, a target tracking policy on the service's average CPU, a step scaling policy driven by a CloudWatch
# alarm on a custom metric (the application's queue backlog), and a scheduled action that raises the floor at night.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "emulator"
  secret_key                  = "emulator"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    applicationautoscaling = var.emulator_endpoint
    cloudwatch             = var.emulator_endpoint
    ec2                    = var.emulator_endpoint
    ecs                    = var.emulator_endpoint
    sts                    = var.emulator_endpoint
  }
}

# The account's default VPC and its subnets (one per zone).
data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

resource "aws_ecs_cluster" "main" {
  name = var.name
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${var.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"

  container_definitions = jsonencode([
    {
      name      = "worker"
      image     = "public.ecr.aws/docker/library/busybox:latest"
      essential = true
      command   = ["sh", "-c", "while true; do sleep 60; done"]
    }
  ])
}

resource "aws_ecs_service" "worker" {
  name                  = "worker"
  cluster               = aws_ecs_cluster.main.id
  task_definition       = aws_ecs_task_definition.worker.arn
  desired_count         = var.min_capacity
  launch_type           = "FARGATE"
  wait_for_steady_state = true

  network_configuration {
    subnets          = data.aws_subnets.default.ids
    assign_public_ip = true
  }

  # Application Auto Scaling owns the desired count from here on.
  lifecycle {
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity
  tags               = { Example = "service-auto-scaling" }
}

# Target tracking: keep the service's average CPU near the target (its alarms are Application Auto Scaling's own).
resource "aws_appautoscaling_policy" "cpu" {
  name               = "cpu${var.cpu_target}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# Step scaling on the application's backlog: +1 task from 100 queued messages above the threshold, +3 from 500.
resource "aws_appautoscaling_policy" "backlog" {
  name               = "backlog-steps"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 60
    metric_aggregation_type = "Average"

    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 400
      scaling_adjustment          = 1
    }

    step_adjustment {
      metric_interval_lower_bound = 400
      scaling_adjustment          = 3
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "backlog_high" {
  alarm_name          = "${var.name}-backlog-high"
  alarm_description   = "The worker queue's backlog is above ${var.backlog_threshold} messages"
  namespace           = "App/${var.name}"
  metric_name         = "Backlog"
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  threshold           = var.backlog_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.backlog.arn]
  tags                = { Example = "service-auto-scaling" }
}

# Nightly, the floor goes up for the batch window.
resource "aws_appautoscaling_scheduled_action" "night" {
  name               = "night-floor"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  schedule           = var.night_schedule
  timezone           = "Etc/UTC"

  scalable_target_action {
    min_capacity = var.night_min_capacity
    max_capacity = var.max_capacity
  }
}
