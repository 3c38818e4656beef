# The seed workshop's EC2 chapters ("ECS cluster auto scaling" and "EC2 Spot capacity provider") as Terraform:
# an On-Demand t3.small Auto Scaling group and a Spot group of ten *.large types, a managed-scaling capacity
# provider for each (targetCapacity 80), the cluster's default strategy (On-Demand base 1 weight 1, Spot weight 4),
# and the 40-task service that the workshop splits 9 On-Demand / 31 Spot.

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
    autoscaling = var.emulator_endpoint
    ec2         = var.emulator_endpoint
    ecs         = var.emulator_endpoint
    iam         = var.emulator_endpoint
    logs        = var.emulator_endpoint
    ssm         = var.emulator_endpoint
    sts         = var.emulator_endpoint
  }
}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

# The ECS-optimized Amazon Linux 2 AMI, as the workshop's CDK reads it.
data "aws_ssm_parameter" "ecs_ami" {
  name = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"
}

locals {
  zones      = slice(data.aws_availability_zones.available.names, 0, 3)
  spot_types = ["m5.large", "m5d.large", "m5a.large", "m5ad.large", "m5n.large", "m5dn.large", "m3.large", "m4.large", "t3.large", "t2.large"]
}

# ---------------------------------------------------------------------------------------------------------------
# Network: the workshop's VPC with one private subnet per zone.

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "${var.name}-vpc" }
}

resource "aws_subnet" "private" {
  count             = length(local.zones)
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = local.zones[count.index]
  tags              = { Name = "${var.name}-private-${local.zones[count.index]}" }
}

resource "aws_security_group" "instances" {
  name        = "${var.name}-instances"
  description = "ECS container instances"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "dynamic host ports from inside the VPC"
    from_port   = 32768
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# ---------------------------------------------------------------------------------------------------------------
# IAM: the container instance role and profile, and the task execution role.

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "instance" {
  name               = "${var.name}-instance"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_role_policy_attachment" "instance_ecs" {
  role       = aws_iam_role.instance.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

resource "aws_iam_role_policy_attachment" "instance_ssm" {
  role       = aws_iam_role.instance.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"
}

resource "aws_iam_instance_profile" "instance" {
  name = "${var.name}-instance"
  role = aws_iam_role.instance.name
}

resource "aws_iam_role" "task_execution" {
  name               = "${var.name}-task-execution"
  assume_role_policy = data.aws_iam_policy_document.tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "task_execution" {
  role       = aws_iam_role.task_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${var.name}/ecsdemo-capacityproviders-ec2"
  retention_in_days = 7
}

# ---------------------------------------------------------------------------------------------------------------
# The cluster and its EC2 capacity.

resource "aws_ecs_cluster" "main" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "disabled"
  }
}

resource "aws_launch_template" "on_demand" {
  name                   = "${var.name}-on-demand"
  image_id               = data.aws_ssm_parameter.ecs_ami.value
  instance_type          = "t3.small"
  vpc_security_group_ids = [aws_security_group.instances.id]
  user_data              = base64encode("#!/bin/bash\necho ECS_CLUSTER=${aws_ecs_cluster.main.name} >> /etc/ecs/ecs.config\n")

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }
}

resource "aws_launch_template" "spot" {
  name                   = "${var.name}-spot"
  image_id               = data.aws_ssm_parameter.ecs_ami.value
  instance_type          = "m5.large"
  vpc_security_group_ids = [aws_security_group.instances.id]
  user_data = base64encode(<<-EOT
    #!/usr/bin/bash
    echo ECS_CLUSTER=${aws_ecs_cluster.main.name} >> /etc/ecs/ecs.config
    echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config
    echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config
  EOT
  )

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }
}

resource "aws_autoscaling_group" "on_demand" {
  name                = "${var.name}-ECSEC2Capacity"
  min_size            = 0
  max_size            = 10
  vpc_zone_identifier = aws_subnet.private[*].id

  launch_template {
    id      = aws_launch_template.on_demand.id
    version = "$Latest"
  }

  # Cluster Auto Scaling owns the desired capacity from here on.
  lifecycle {
    ignore_changes = [desired_capacity]
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }
}

resource "aws_autoscaling_group" "spot" {
  name                = "${var.name}-ECSEC2SpotCapacity"
  min_size            = 0
  max_size            = 10
  vpc_zone_identifier = aws_subnet.private[*].id

  mixed_instances_policy {
    instances_distribution {
      on_demand_allocation_strategy            = "prioritized"
      on_demand_base_capacity                  = 0
      on_demand_percentage_above_base_capacity = 0
      spot_allocation_strategy                 = "capacity-optimized"
    }

    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.spot.id
        version            = aws_launch_template.spot.default_version
      }

      dynamic "override" {
        for_each = local.spot_types
        content {
          instance_type = override.value
        }
      }
    }
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }

  tag {
    key                 = "Name"
    value               = "${var.name}/ECSEC2SpotCapacity"
    propagate_at_launch = true
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }
}

resource "aws_ecs_capacity_provider" "on_demand" {
  name = "${var.name}-EC2"

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.on_demand.arn
    managed_termination_protection = "DISABLED"

    managed_scaling {
      status          = "ENABLED"
      target_capacity = 80
    }
  }
}

resource "aws_ecs_capacity_provider" "spot" {
  name = "${var.name}-EC2Spot"

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.spot.arn
    managed_termination_protection = "DISABLED"

    managed_scaling {
      status          = "ENABLED"
      target_capacity = 80
    }
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = [aws_ecs_capacity_provider.on_demand.name, aws_ecs_capacity_provider.spot.name]

  default_capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.on_demand.name
    base              = 1
    weight            = 1
  }

  default_capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.spot.name
    weight            = var.spot_weight
  }
}

# ---------------------------------------------------------------------------------------------------------------
# The application: 256 CPU / 512 MiB tasks (3 per t3.small, 8 per m5.large), bridge networking, dynamic host ports.

resource "aws_ecs_task_definition" "app" {
  family                   = "ecsdemo-capacityproviders-ec2"
  requires_compatibilities = ["EC2"]
  network_mode             = "bridge"
  execution_role_arn       = aws_iam_role.task_execution.arn

  container_definitions = jsonencode([
    {
      name      = "web"
      image     = var.app_image
      cpu       = 256
      memory    = 512
      essential = true
      portMappings = [
        { containerPort = 5000, hostPort = 0, protocol = "tcp" }
      ]
      environment = [
        { name = "REGION", value = "us-east-1" }
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.app.name
          awslogs-region        = "us-east-1"
          awslogs-stream-prefix = "web"
        }
      }
    }
  ])
}

resource "aws_ecs_service" "app" {
  name                  = "ecsdemo-capacityproviders-ec2"
  cluster               = aws_ecs_cluster.main.id
  task_definition       = aws_ecs_task_definition.app.arn
  desired_count         = var.desired_count
  force_new_deployment  = true
  wait_for_steady_state = true

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # The cluster's default strategy, written on the service as the workshop's console step does.
  capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.on_demand.name
    base              = 1
    weight            = 1
  }

  capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.spot.name
    weight            = var.spot_weight
  }

  ordered_placement_strategy {
    type  = "spread"
    field = "attribute:ecs.availability-zone"
  }

  ordered_placement_strategy {
    type  = "binpack"
    field = "memory"
  }

  depends_on = [aws_ecs_cluster_capacity_providers.main]
}
