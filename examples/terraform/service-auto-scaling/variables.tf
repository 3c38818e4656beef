variable "emulator_endpoint" {
  description = "The emulator's AWS endpoint (the silo's --port)."
  type        = string
  default     = "http://127.0.0.1:4577"
}

variable "name" {
  description = "Cluster name, and the prefix of every other resource's name."
  type        = string
  default     = "service-auto-scaling"
}

variable "min_capacity" {
  description = "The scalable target's minimum (and the service's first desired count)."
  type        = number
  default     = 2
}

variable "max_capacity" {
  description = "The scalable target's maximum."
  type        = number
  default     = 10
}

variable "night_min_capacity" {
  description = "The minimum the scheduled action sets at 01:00 UTC."
  type        = number
  default     = 4
}

variable "cpu_target" {
  description = "The target tracking policy's average CPU target, in percent."
  type        = number
  default     = 50
}

variable "backlog_threshold" {
  description = "The backlog (App/NAME Backlog, Average over 60 s) above which the step scaling policy adds tasks."
  type        = number
  default     = 100
}
