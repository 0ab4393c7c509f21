# PostgreSQL Flexible Server for the data source and the MLflow backend store: in a delegated
# subnet (no public address), Entra ID authentication only (no password exists), TLS enforced by
# the service, zone-redundant standby in production, 14 days of backups.

variable "name" {
  description = "Server name prefix."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the server."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "tenant_id" {
  description = "Entra ID tenant."
  type        = string
}

variable "subnet_id" {
  description = "Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers."
  type        = string
}

variable "private_dns_zone_id" {
  description = "privatelink.postgres.database.azure.com zone."
  type        = string
}

variable "sku" {
  description = "Server SKU."
  type        = string
}

variable "high_availability" {
  description = "Zone-redundant standby."
  type        = bool
}

variable "admin_group" {
  description = "Entra ID group administering the server."
  type        = object({ object_id = string, name = string })
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
}

resource "azurerm_postgresql_flexible_server" "this" {
  #checkov:skip=CKV2_AZURE_57:VNet integration (a delegated subnet, no public address) instead of a private endpoint; Azure offers one or the other per server
  #checkov:skip=CKV_AZURE_136:geo-redundant backups are a disaster-recovery choice per organisation; backups stay zone-redundant in the region
  name                          = "${var.name}-postgres"
  resource_group_name           = var.resource_group_name
  location                      = var.location
  version                       = "16"
  sku_name                      = var.sku
  storage_mb                    = 65536
  backup_retention_days         = 14
  delegated_subnet_id           = var.subnet_id
  private_dns_zone_id           = var.private_dns_zone_id
  public_network_access_enabled = false
  zone                          = "1"
  tags                          = var.tags

  authentication {
    active_directory_auth_enabled = true
    password_auth_enabled         = false
    tenant_id                     = var.tenant_id
  }

  dynamic "high_availability" {
    for_each = var.high_availability ? ["ZoneRedundant"] : []
    content {
      mode                      = high_availability.value
      standby_availability_zone = "2"
    }
  }
}

resource "azurerm_postgresql_flexible_server_active_directory_administrator" "admins" {
  server_name         = azurerm_postgresql_flexible_server.this.name
  resource_group_name = var.resource_group_name
  tenant_id           = var.tenant_id
  object_id           = var.admin_group.object_id
  principal_name      = var.admin_group.name
  principal_type      = "Group"
}

# Connections are logged and TLS 1.2 is the minimum.
resource "azurerm_postgresql_flexible_server_configuration" "settings" {
  for_each = {
    log_connections          = "on"
    log_disconnections       = "on"
    log_checkpoints          = "on"
    ssl_min_protocol_version = "TLSv1.2"
    require_secure_transport = "on"
  }
  server_id = azurerm_postgresql_flexible_server.this.id
  name      = each.key
  value     = each.value
}

output "fqdn" {
  value = azurerm_postgresql_flexible_server.this.fqdn
}
