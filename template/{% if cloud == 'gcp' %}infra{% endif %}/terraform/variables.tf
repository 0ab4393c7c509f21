variable "project" {
  description = "Project name: the prefix of every resource name (its first 16 characters)."
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

variable "project_id" {
  description = "Google Cloud project every resource is created in (set TF_VAR_project_id)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project ID: 6-30 lowercase letters, digits and dashes."
  }
}

variable "region" {
  description = "Region of every resource (the cluster is regional)."
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

variable "network" {
  description = "VPC network (self link or name) the cluster and database live in: the platform team's."
  type        = string
}

variable "subnetwork" {
  description = "Subnetwork of the nodes, with secondary ranges for pods and services."
  type        = string
}

variable "pods_range_name" {
  description = "Secondary range of the subnetwork for pod IPs (VPC-native cluster)."
  type        = string
  default     = "pods"
}

variable "services_range_name" {
  description = "Secondary range of the subnetwork for service IPs."
  type        = string
  default     = "services"
}

variable "master_ipv4_cidr_block" {
  description = "/28 the private control plane takes; unique per cluster in the network."
  type        = string
}

variable "master_authorized_cidrs" {
  description = "CIDRs allowed to reach the cluster API; empty keeps the endpoint private (reachable from the network only)."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.master_authorized_cidrs, "0.0.0.0/0")
    error_message = "master_authorized_cidrs must not open the API to the internet (0.0.0.0/0)."
  }
}

variable "proxy_subnet_cidr" {
  description = "CIDR of the network's proxy-only subnet: the internal load balancer reaches the pods from it."
  type        = string
}

variable "release_channel" {
  description = "GKE release channel (upgrades of the control plane and nodes)."
  type        = string
  default     = "REGULAR"
}

variable "cpu_machine_type" {
  description = "Machine type of the CPU node pool (serving, batch, pipeline steps)."
  type        = string
  default     = "e2-standard-4"
}

variable "cpu_nodes" {
  description = "Size per zone of the CPU node pool."
  type        = object({ min = number, max = number })
  default     = { min = 1, max = 3 }
}

variable "gpu_nodes_max" {
  description = "Upper size per zone of the GPU node pool for training; 0 creates no GPU pool."
  type        = number
  default     = 0
}

variable "gpu_machine_type" {
  description = "Machine type of the optional GPU node pool."
  type        = string
  default     = "g2-standard-8"
}

variable "gpu_accelerator" {
  description = "Accelerator of the optional GPU node pool."
  type        = object({ type = string, count = number })
  default     = { type = "nvidia-l4", count = 1 }
}

variable "database_tier" {
  description = "Cloud SQL machine tier (used only when the project reads PostgreSQL)."
  type        = string
  default     = "db-custom-2-7680"
}

variable "database_high_availability" {
  description = "Standby in a second zone (production)."
  type        = bool
  default     = false
}
