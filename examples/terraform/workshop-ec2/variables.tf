variable "emulator_endpoint" {
  description = "The emulator's AWS endpoint (the silo's --port)."
  type        = string
  default     = "http://127.0.0.1:4577"
}

variable "name" {
  description = "Cluster name, and the prefix of every other resource's name."
  type        = string
  default     = "container-demo"
}

variable "desired_count" {
  description = "Tasks of the service: the workshop scales 1 -> 10 -> 1, then to 40 with the Spot provider."
  type        = number
  default     = 40
}

variable "spot_weight" {
  description = "Weight of the Spot capacity provider in the strategy (On-Demand has base 1, weight 1)."
  type        = number
  default     = 4
}

variable "app_image" {
  description = "Container image of the service; a new value registers a new task definition revision and deploys it."
  type        = string
  default     = "public.ecr.aws/aws-containers/ecsdemo-capacityproviders:latest"
}
