# The image registry: Premium (private endpoint, retention, trust), no admin user, no anonymous
# pull, no public network access; images are pushed from runners inside the virtual network.

variable "name" {
  description = "Globally unique registry name (5-50 letters and digits)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the registry."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "endpoint_subnet_id" {
  description = "Subnet of the private endpoint."
  type        = string
}

variable "private_dns_zone_id" {
  description = "privatelink.azurecr.io zone."
  type        = string
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
}

resource "azurerm_container_registry" "this" {
  #checkov:skip=CKV_AZURE_165:geo-replication is a disaster-recovery choice per organisation; one region per environment here
  #checkov:skip=CKV_AZURE_164:images are tagged by commit and pulled by digest-pinned deploys; content trust (Notary v1) is being retired by Azure
  #checkov:skip=CKV_AZURE_166:quarantine needs an external scanner to release images; Defender for Containers scans on push instead
  #checkov:skip=CKV_AZURE_233:zone redundancy is a per-region availability choice, set by the platform team
  name                          = var.name
  resource_group_name           = var.resource_group_name
  location                      = var.location
  sku                           = "Premium"
  admin_enabled                 = false
  anonymous_pull_enabled        = false
  public_network_access_enabled = false
  data_endpoint_enabled         = true
  network_rule_bypass_option    = "AzureServices"
  retention_policy_in_days      = 30
  tags                          = var.tags
}

resource "azurerm_private_endpoint" "registry" {
  name                = "${var.name}-registry"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.endpoint_subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = "${var.name}-registry"
    private_connection_resource_id = azurerm_container_registry.this.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "registry"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }
}

output "id" {
  value = azurerm_container_registry.this.id
}

output "login_server" {
  value = azurerm_container_registry.this.login_server
}
