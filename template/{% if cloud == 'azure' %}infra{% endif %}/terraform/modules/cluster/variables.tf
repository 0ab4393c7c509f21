variable "name" {
  description = "Cluster name."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the cluster."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "kubernetes_version" {
  description = "AKS Kubernetes version."
  type        = string
}

variable "node_subnet_id" {
  description = "Subnet of the nodes and pods (Azure CNI overlay)."
  type        = string
}

variable "api_authorized_cidrs" {
  description = "CIDRs allowed on a public API endpoint; empty: private cluster."
  type        = list(string)
}

variable "admin_group_object_ids" {
  description = "Entra ID groups administering the cluster."
  type        = list(string)
}

variable "log_analytics_workspace_id" {
  description = "Workspace of the container insights and Defender."
  type        = string
}

variable "cpu_vm_size" {
  description = "VM size of the system and CPU pools."
  type        = string
}

variable "cpu_nodes" {
  description = "Autoscaling bounds of the CPU pool."
  type        = object({ min = number, max = number })
}

variable "gpu_vm_size" {
  description = "VM size of the GPU pool."
  type        = string
}

variable "gpu_nodes_max" {
  description = "Upper size of the GPU pool; 0 creates none."
  type        = number
}

variable "deployer_principal_ids" {
  description = "Principals given write rights in the deploy namespace."
  type        = list(string)
}

variable "deploy_namespace" {
  description = "Namespace the deployers may write."
  type        = string
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
}
