# Test configuration (not an example): the resources and arguments real ECS configurations use that the workshop
# examples do not: the default VPC and its subnets, AL2023's recommended-AMI document, inline and customer managed
# IAM policies, a versioned launch template, an Auto Scaling group with scale-in protection and a capacity wait, a
# capacity provider with managed termination protection, cluster configuration, a target group, and an awsvpc
# service on EC2 whose subnets cover two of the group's three zones.

terraform {
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
    autoscaling = var.emulator_endpoint
    ec2         = var.emulator_endpoint
    ecs         = var.emulator_endpoint
    elbv2       = var.emulator_endpoint
    iam         = var.emulator_endpoint
    logs        = var.emulator_endpoint
    ssm         = var.emulator_endpoint
    sts         = var.emulator_endpoint
  }

  default_tags {
    tags = { Suite = "terraform-tests" }
  }
}

variable "emulator_endpoint" {
  type    = string
  default = "http://127.0.0.1:4577"
}

variable "name" {
  type    = string
  default = "protected"
}

variable "instance_type" {
  type    = string
  default = "t3.medium"
}

variable "desired_count" {
  type    = number
  default = 2
}

data "aws_caller_identity" "current" {}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }

  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

data "aws_subnet" "each" {
  for_each = toset(data.aws_subnets.default.ids)
  id       = each.value
}

data "aws_ssm_parameter" "al2023" {
  name = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended"
}

locals {
  ami            = jsondecode(data.aws_ssm_parameter.al2023.value).image_id
  subnets_sorted = [for z in sort([for s in data.aws_subnet.each : s.availability_zone]) : [for s in data.aws_subnet.each : s.id if s.availability_zone == z][0]]
  task_subnets   = slice(local.subnets_sorted, 0, 2)
}

resource "aws_security_group" "instances" {
  name_prefix = "${var.name}-"
  description = "instances and tasks"
  vpc_id      = data.aws_vpc.default.id

  ingress {
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    self        = true
    description = "tasks from each other"
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "instance" {
  name               = "${var.name}-instance"
  path               = "/ecs/"
  description        = "container instances of ${var.name}"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
  tags               = { Role = "instance" }
}

resource "aws_iam_role_policy" "logs" {
  name = "write-logs"
  role = aws_iam_role.instance.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "*" }]
  })
}

resource "aws_iam_policy" "describe" {
  name        = "${var.name}-describe"
  description = "read the cluster"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["ecs:Describe*"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "describe" {
  role       = aws_iam_role.instance.name
  policy_arn = aws_iam_policy.describe.arn
}

resource "aws_iam_role_policy_attachment" "ecs" {
  role       = aws_iam_role.instance.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

resource "aws_iam_instance_profile" "instance" {
  name = "${var.name}-instance"
  path = "/ecs/"
  role = aws_iam_role.instance.name
}

resource "aws_cloudwatch_log_group" "exec" {
  name = "/ecs/${var.name}/exec"
  tags = { Purpose = "ecs-exec" }
}

resource "aws_ecs_cluster" "main" {
  name = var.name

  configuration {
    execute_command_configuration {
      logging = "OVERRIDE"
      log_configuration {
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec.name
        cloud_watch_encryption_enabled = false
      }
    }
  }

  setting {
    name  = "containerInsights"
    value = "enhanced"
  }

  tags = { Team = "platform" }
}

resource "aws_launch_template" "instances" {
  name_prefix            = "${var.name}-"
  description            = "ECS container instances"
  image_id               = local.ami
  instance_type          = var.instance_type
  update_default_version = true
  user_data              = base64encode("#!/bin/bash\necho ECS_CLUSTER=${aws_ecs_cluster.main.name} >> /etc/ecs/ecs.config\n")

  iam_instance_profile {
    name = aws_iam_instance_profile.instance.name
  }

  network_interfaces {
    device_index                = 0
    associate_public_ip_address = false
    security_groups             = [aws_security_group.instances.id]
    delete_on_termination       = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 30
      volume_type           = "gp3"
      delete_on_termination = true
      encrypted             = true
    }
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-instance" }
  }

  tags = { Template = "ecs" }
}

resource "aws_autoscaling_group" "instances" {
  name                      = "${var.name}-asg"
  min_size                  = 3
  max_size                  = 6
  desired_capacity          = 3
  vpc_zone_identifier       = local.subnets_sorted
  protect_from_scale_in     = true
  wait_for_capacity_timeout = "5m"
  health_check_type         = "EC2"
  health_check_grace_period = 60
  default_cooldown          = 120
  termination_policies      = ["OldestLaunchTemplate", "OldestInstance"]
  capacity_rebalance        = false

  launch_template {
    id      = aws_launch_template.instances.id
    version = aws_launch_template.instances.latest_version
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  tag {
    key                 = "CostCenter"
    value               = "1234"
    propagate_at_launch = false
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "main" {
  name = "${var.name}-cp"

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.instances.arn
    managed_termination_protection = "ENABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = 100
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = 2
      instance_warmup_period    = 60
    }
  }

  tags = { Provider = "ec2" }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = [aws_ecs_capacity_provider.main.name]

  default_capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.main.name
    weight            = 1
  }
}

resource "aws_lb_target_group" "app" {
  name                 = "${var.name}-tg"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = data.aws_vpc.default.id
  deregistration_delay = 90

  health_check {
    path                = "/health"
    healthy_threshold   = 2
    unhealthy_threshold = 2
    interval            = 30
    matcher             = "200-299"
  }

  tags = { App = "web" }
}

resource "aws_ecs_task_definition" "app" {
  family                   = "${var.name}-app"
  requires_compatibilities = ["EC2"]
  network_mode             = "awsvpc"
  cpu                      = "512"
  memory                   = "1024"

  container_definitions = jsonencode([
    {
      name              = "app"
      image             = "public.ecr.aws/docker/library/nginx:latest"
      memoryReservation = 256
      essential         = true
      portMappings      = [{ containerPort = 8080, hostPort = 8080, protocol = "tcp" }]
      healthCheck = {
        command  = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]
        interval = 30
        retries  = 3
        timeout  = 5
      }
      dockerLabels = { "app.note" = "terraform test" }
      ulimits      = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]
    }
  ])

  volume {
    name = "scratch"
  }

  placement_constraints {
    type       = "memberOf"
    expression = "attribute:ecs.os-type == linux"
  }

  tags = { App = "web" }
}

resource "aws_ecs_service" "app" {
  name                               = "app"
  cluster                            = aws_ecs_cluster.main.arn
  task_definition                    = aws_ecs_task_definition.app.arn
  desired_count                      = var.desired_count
  wait_for_steady_state              = true
  enable_execute_command             = true
  enable_ecs_managed_tags            = true
  propagate_tags                     = "TASK_DEFINITION"
  deployment_minimum_healthy_percent = 50
  deployment_maximum_percent         = 150
  health_check_grace_period_seconds  = 60

  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 8080
  }

  capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.main.name
    weight            = 1
  }

  network_configuration {
    subnets         = local.task_subnets
    security_groups = [aws_security_group.instances.id]
  }

  ordered_placement_strategy {
    type  = "spread"
    field = "instanceId"
  }

  placement_constraints {
    type = "distinctInstance"
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = { App = "web" }

  depends_on = [aws_ecs_cluster_capacity_providers.main]
}

output "task_subnets" {
  value = local.task_subnets
}

output "task_zones" {
  value = [for id in local.task_subnets : data.aws_subnet.each[id].availability_zone]
}

output "account_id" {
  value = data.aws_caller_identity.current.account_id
}
