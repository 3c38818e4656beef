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

variable "night_schedule" {
  description = "When the scheduled action raises the floor (at 600x emulated time a day passes in 2.4 minutes)."
  type        = string
  default     = "cron(0 1 * * ? *)"
}

variable "night_min_capacity" {
  description = "The minimum the scheduled action sets (night_schedule)."
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
