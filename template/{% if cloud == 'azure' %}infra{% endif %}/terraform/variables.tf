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

variable "location" {
  description = "Azure region of every resource."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the environment (bootstrap creates it; the deploy identity may act only there)."
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

variable "node_subnet_id" {
  description = "Subnet of the cluster's nodes (the platform team's virtual network)."
  type        = string
}

variable "endpoint_subnet_id" {
  description = "Subnet of the private endpoints (storage, registry, key vault)."
  type        = string
}

variable "private_dns_zone_ids" {
  description = "Private DNS zones the private endpoints register in: blob, registry, vault (privatelink.*)."
  type        = object({ blob = string, registry = string, vault = string })
}

variable "database_subnet_id" {
  description = "Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers (used only when the project reads PostgreSQL)."
  type        = string
  default     = null
}

variable "database_private_dns_zone_id" {
  description = "Private DNS zone privatelink.postgres.database.azure.com (used only when the project reads PostgreSQL)."
  type        = string
  default     = null
}

variable "database_admin_group" {
  description = "Entra ID group administering PostgreSQL ({ object_id, name }; used only when the project reads PostgreSQL)."
  type        = object({ object_id = string, name = string })
  default     = null
}

variable "api_authorized_cidrs" {
  description = "CIDRs allowed to reach the cluster API; empty makes the cluster private (API on a private endpoint only)."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.api_authorized_cidrs, "0.0.0.0/0")
    error_message = "api_authorized_cidrs must not open the API to the internet (0.0.0.0/0)."
  }
}

variable "admin_group_object_ids" {
  description = "Entra ID groups administering the cluster (Azure RBAC for Kubernetes)."
  type        = list(string)
  default     = []
}

variable "deployer_principal_ids" {
  description = "Principals (the deploy pipeline's identity) given write rights in the namespace."
  type        = list(string)
  default     = []
}

variable "kubernetes_version" {
  description = "AKS Kubernetes version."
  type        = string
  default     = "1.32"
}

variable "cpu_vm_size" {
  description = "VM size of the CPU node pool (serving, batch, pipeline steps)."
  type        = string
  default     = "Standard_D4s_v5"
}

variable "cpu_nodes" {
  description = "Size of the CPU node pool (autoscaled between min and max)."
  type        = object({ min = number, max = number })
  default     = { min = 2, max = 4 }
}

variable "gpu_nodes_max" {
  description = "Upper size of the GPU node pool for training; 0 creates no GPU pool."
  type        = number
  default     = 0
}

variable "gpu_vm_size" {
  description = "VM size of the optional GPU node pool."
  type        = string
  default     = "Standard_NC4as_T4_v3"
}

variable "storage_replication" {
  description = "Replication of the storage account (ZRS in one region, GZRS across two)."
  type        = string
  default     = "ZRS"
}

variable "database_sku" {
  description = "PostgreSQL Flexible Server SKU (used only when the project reads PostgreSQL)."
  type        = string
  default     = "GP_Standard_D2ds_v5"
}

variable "database_high_availability" {
  description = "Zone-redundant standby (production)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the cluster's logs in the Log Analytics workspace."
  type        = number
  default     = 365
}
