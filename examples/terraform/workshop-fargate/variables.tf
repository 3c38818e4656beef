variable "emulator_endpoint" {
  description = "The emulator's AWS endpoint (the silo's --port)."
  type        = string
  default     = "http://127.0.0.1:4577"
}

variable "name" {
  description = "Cluster name, and the prefix of every other resource's name."
  type        = string
  default     = "container-demo-fargate"
}

variable "zone_count" {
  description = "How many availability zones (one private subnet each) the tasks may use."
  type        = number
  default     = 3
}

variable "desired_count" {
  description = "Tasks of the service (the workshop's table shows 10: 3 FARGATE, 7 FARGATE_SPOT)."
  type        = number
  default     = 10
}

variable "fargate_spot_weight" {
  description = "Weight of FARGATE_SPOT in the strategy (FARGATE has base 1, weight 1)."
  type        = number
  default     = 4
}

variable "app_image" {
  description = "Container image of the service; a new value registers a new task definition revision and deploys it."
  type        = string
  default     = "public.ecr.aws/aws-containers/ecsdemo-capacityproviders:latest"
}
