variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the control-plane endpoint and the nodes."
  type        = list(string)
}

variable "api_authorized_cidrs" {
  description = "CIDRs allowed on the public API endpoint; empty: private endpoint only."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for Kubernetes secrets and the control-plane logs."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the control-plane logs."
  type        = number
}

variable "cpu_instance_types" {
  description = "Instance types of the CPU node group."
  type        = list(string)
}

variable "cpu_nodes" {
  description = "min/desired/max of the CPU node group."
  type        = object({ min = number, desired = number, max = number })
}

variable "gpu_instance_types" {
  description = "Instance types of the GPU node group."
  type        = list(string)
}

variable "gpu_nodes_max" {
  description = "Upper size of the GPU node group; 0: no GPU group."
  type        = number
}

variable "deployer_role_arns" {
  description = "IAM roles (CI) given namespace-scoped edit rights through EKS access entries."
  type        = list(string)
  default     = []
}

variable "deploy_namespace" {
  description = "Namespace the deployer roles may edit."
  type        = string
  default     = ""
}
