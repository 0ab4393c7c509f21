variable "project" {
  description = "Project name: the prefix of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.project))
    error_message = "project must be 1-40 lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment; one of the kustomize overlays in deployment/k8s/overlays."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "region" {
  description = "AWS region of every resource."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the environment's overlay (its `namespace:`)."
  type        = string
}

variable "service_account" {
  description = "Name of the Kubernetes ServiceAccount the pods run as (deployment/k8s/base)."
  type        = string
}

variable "vpc_id" {
  description = "VPC the cluster and database live in (the platform team's network)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (at least two zones) for the nodes, endpoint and database."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids needs subnets in at least two availability zones."
  }
}

variable "api_authorized_cidrs" {
  description = "CIDRs allowed to reach the cluster API from outside the VPC; empty keeps the endpoint private."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.api_authorized_cidrs, "0.0.0.0/0")
    error_message = "api_authorized_cidrs must not open the API to the internet (0.0.0.0/0)."
  }
}

variable "deployer_role_arns" {
  description = "IAM roles (the deploy pipeline's) given edit rights in the namespace."
  type        = list(string)
  default     = []
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.32"
}

variable "cpu_instance_types" {
  description = "Instance types of the CPU node group (serving, batch, pipeline steps)."
  type        = list(string)
  default     = ["m6i.large"]
}

variable "cpu_nodes" {
  description = "Size of the CPU node group."
  type        = object({ min = number, desired = number, max = number })
  default     = { min = 1, desired = 2, max = 4 }
}

variable "gpu_nodes_max" {
  description = "Upper size of the GPU node group for training; 0 creates no GPU group."
  type        = number
  default     = 0
}

variable "gpu_instance_types" {
  description = "Instance types of the optional GPU node group."
  type        = list(string)
  default     = ["g5.xlarge"]
}

variable "database_instance_class" {
  description = "RDS instance class (used only when the project reads PostgreSQL)."
  type        = string
  default     = "db.t4g.medium"
}

variable "database_multi_az" {
  description = "Standby in a second zone (production)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the cluster's control-plane logs."
  type        = number
  default     = 365
}
