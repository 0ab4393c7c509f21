variable "name" {
  description = "Cluster name."
  type        = string
}

variable "project_id" {
  description = "Google Cloud project (its workload pool is <project_id>.svc.id.goog)."
  type        = string
}

variable "location" {
  description = "Region of the (regional) cluster."
  type        = string
}

variable "network" {
  description = "VPC network."
  type        = string
}

variable "subnetwork" {
  description = "Subnetwork of the nodes."
  type        = string
}

variable "pods_range_name" {
  description = "Secondary range for pod IPs."
  type        = string
}

variable "services_range_name" {
  description = "Secondary range for service IPs."
  type        = string
}

variable "master_ipv4_cidr_block" {
  description = "/28 of the private control plane."
  type        = string
}

variable "master_authorized_cidrs" {
  description = "CIDRs allowed to reach the API; empty: private endpoint only."
  type        = list(string)
}

variable "release_channel" {
  description = "GKE release channel."
  type        = string
}

variable "kms_key_id" {
  description = "Cloud KMS key encrypting Kubernetes secrets and node boot disks."
  type        = string
}

variable "registry_id" {
  description = "Artifact Registry repository the nodes pull images from."
  type        = string
}

variable "cpu_machine_type" {
  description = "Machine type of the CPU node pool."
  type        = string
}

variable "cpu_nodes" {
  description = "Size per zone of the CPU node pool."
  type        = object({ min = number, max = number })
}

variable "gpu_machine_type" {
  description = "Machine type of the GPU node pool."
  type        = string
}

variable "gpu_accelerator" {
  description = "Accelerator of the GPU node pool."
  type        = object({ type = string, count = number })
}

variable "gpu_nodes_max" {
  description = "Upper size per zone of the GPU node pool; 0 creates none."
  type        = number
}
