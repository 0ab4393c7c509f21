# Azure Workload Identity: a user-assigned managed identity whose federated credential trusts
# only the project's ServiceAccount in the environment's namespace, on this cluster's OIDC
# issuer. It may read and write blobs in the project's container and read the vault's secrets:
# nothing else, and no key or password exists.

variable "name" {
  description = "Identity name prefix."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the identity."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "oidc_issuer_url" {
  description = "OIDC issuer of the AKS cluster."
  type        = string
}

variable "namespace" {
  description = "Namespace of the ServiceAccount."
  type        = string
}

variable "service_account" {
  description = "Name of the ServiceAccount allowed to federate."
  type        = string
}

variable "container_id" {
  description = "The project's blob container."
  type        = string
}

variable "key_vault_id" {
  description = "The environment's Key Vault."
  type        = string
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
}

resource "azurerm_user_assigned_identity" "workload" {
  name                = "${var.name}-workload"
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

resource "azurerm_federated_identity_credential" "service_account" {
  name                = "${var.name}-${var.service_account}"
  resource_group_name = var.resource_group_name
  parent_id           = azurerm_user_assigned_identity.workload.id
  issuer              = var.oidc_issuer_url
  subject             = "system:serviceaccount:${var.namespace}:${var.service_account}"
  audience            = ["api://AzureADTokenExchange"]
}

# Data-plane roles, each on the one resource it is for (never the account, group or subscription).
resource "azurerm_role_assignment" "blob_data" {
  scope                = var.container_id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.workload.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "read_secrets" {
  scope                = var.key_vault_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.workload.principal_id
  principal_type       = "ServicePrincipal"
}

output "client_id" {
  value = azurerm_user_assigned_identity.workload.client_id
}

output "principal" {
  description = "Object ID and name of the identity (the database's Entra role)."
  value = {
    object_id = azurerm_user_assigned_identity.workload.principal_id
    name      = azurerm_user_assigned_identity.workload.name
  }
}
