# The storage account for raw data and MLflow artifacts: no public access (network or blob),
# Entra ID only (no shared key), TLS 1.2, infrastructure (double) encryption, versioned blobs
# with soft delete, reached through a private endpoint.

variable "name" {
  description = "Globally unique storage account name (3-24 lowercase letters and digits)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the account."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "replication" {
  description = "Replication type (ZRS, GZRS, ...)."
  type        = string
}

variable "endpoint_subnet_id" {
  description = "Subnet of the private endpoint."
  type        = string
}

variable "private_dns_zone_id" {
  description = "privatelink.blob.core.windows.net zone."
  type        = string
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
}

resource "azurerm_storage_account" "this" {
  #checkov:skip=CKV2_AZURE_1:encrypted at rest twice (service + infrastructure encryption) with Microsoft-managed keys; a customer-managed key is an organisation-wide choice
  #checkov:skip=CKV_AZURE_33:the account holds blobs only; no queue exists to log
  #checkov:skip=CKV_AZURE_206:replication comes from storage_replication: zone-redundant (ZRS) in dev and staging, geo-zone-redundant (GZRS) in prod (envs/prod.tfvars)
  #checkov:skip=CKV2_AZURE_21:blob read logs go to the organisation's central diagnostic settings (Azure Policy), not one per project
  name                              = var.name
  resource_group_name               = var.resource_group_name
  location                          = var.location
  account_kind                      = "StorageV2"
  account_tier                      = "Standard"
  account_replication_type          = var.replication
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  public_network_access_enabled     = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  infrastructure_encryption_enabled = true
  local_user_enabled                = false
  tags                              = var.tags

  blob_properties {
    versioning_enabled  = true
    change_feed_enabled = true

    delete_retention_policy {
      days = 30
    }

    container_delete_retention_policy {
      days = 30
    }
  }

  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }

  sas_policy {
    expiration_period = "01.00:00:00"
  }
}

resource "azurerm_storage_container" "data" {
  #checkov:skip=CKV2_AZURE_21:blob read logs go to the organisation's central diagnostic settings (Azure Policy), not one per project
  name                  = "data"
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

# Old versions are kept 90 days, then deleted: the same window as the other clouds' buckets.
resource "azurerm_storage_management_policy" "this" {
  storage_account_id = azurerm_storage_account.this.id

  rule {
    name    = "expire-old-versions"
    enabled = true

    filters {
      blob_types = ["blockBlob"]
    }

    actions {
      version {
        delete_after_days_since_creation = 90
      }
    }
  }
}

resource "azurerm_private_endpoint" "blob" {
  name                = "${var.name}-blob"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.endpoint_subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = "${var.name}-blob"
    private_connection_resource_id = azurerm_storage_account.this.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "blob"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }
}

output "account_name" {
  value = azurerm_storage_account.this.name
}

output "container_name" {
  value = azurerm_storage_container.data.name
}

output "container_id" {
  value = azurerm_storage_container.data.id
}
