# AKS: a private cluster (or a public API limited to the listed CIDRs), Entra ID with Azure RBAC
# and no local accounts, the OIDC issuer and workload identity, Azure network policy, container
# insights and Defender, a system pool, a CPU pool and an optional GPU pool for training.

data "azurerm_client_config" "current" {}

locals {
  # /subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>
  subnet = split("/", var.node_subnet_id)
}

data "azurerm_subnet" "nodes" {
  resource_group_name  = local.subnet[4]
  virtual_network_name = local.subnet[8]
  name                 = local.subnet[10]
}

# The control plane's own identity: it manages the load balancer's addresses in the node subnet.
resource "azurerm_user_assigned_identity" "cluster" {
  name                = "${var.name}-cluster"
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

resource "azurerm_role_assignment" "cluster_network" {
  scope                = var.node_subnet_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_kubernetes_cluster" "this" {
  #checkov:skip=CKV_AZURE_6:the cluster is private unless api_authorized_cidrs is set, and then only those ranges reach the API (the dynamic block below)
  #checkov:skip=CKV_AZURE_117:OS disks are ephemeral and host encryption covers temp and cache disks; a disk encryption set (customer key) is an organisation-wide choice
  name                              = var.name
  location                          = var.location
  resource_group_name               = var.resource_group_name
  dns_prefix                        = var.name
  kubernetes_version                = var.kubernetes_version
  sku_tier                          = "Standard"
  automatic_upgrade_channel         = "patch"
  node_os_upgrade_channel           = "NodeImage"
  private_cluster_enabled           = length(var.api_authorized_cidrs) == 0
  local_account_disabled            = true
  role_based_access_control_enabled = true
  oidc_issuer_enabled               = true
  workload_identity_enabled         = true
  azure_policy_enabled              = true
  tags                              = var.tags

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    tenant_id              = data.azurerm_client_config.current.tenant_id
    admin_group_object_ids = var.admin_group_object_ids
  }

  dynamic "api_server_access_profile" {
    for_each = length(var.api_authorized_cidrs) > 0 ? [var.api_authorized_cidrs] : []
    content {
      authorized_ip_ranges = api_server_access_profile.value
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.cluster.id]
  }

  # System pods only: the project's workloads run on the CPU and GPU pools.
  default_node_pool {
    name                         = "system"
    vm_size                      = var.cpu_vm_size
    vnet_subnet_id               = var.node_subnet_id
    auto_scaling_enabled         = true
    min_count                    = 1
    max_count                    = 3
    max_pods                     = 50
    os_disk_type                 = "Ephemeral"
    host_encryption_enabled      = true
    only_critical_addons_enabled = true
    zones                        = ["1", "2", "3"]
    tags                         = var.tags

    upgrade_settings {
      max_surge = "33%"
    }
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_policy      = "azure"
    load_balancer_sku   = "standard"
  }

  oms_agent {
    log_analytics_workspace_id      = var.log_analytics_workspace_id
    msi_auth_for_monitoring_enabled = true
  }

  microsoft_defender {
    log_analytics_workspace_id = var.log_analytics_workspace_id
  }

  key_vault_secrets_provider {
    secret_rotation_enabled = true
  }

  depends_on = [azurerm_role_assignment.cluster_network]
}

resource "azurerm_kubernetes_cluster_node_pool" "cpu" {
  name                    = "cpu"
  kubernetes_cluster_id   = azurerm_kubernetes_cluster.this.id
  vm_size                 = var.cpu_vm_size
  vnet_subnet_id          = var.node_subnet_id
  mode                    = "User"
  auto_scaling_enabled    = true
  min_count               = var.cpu_nodes.min
  max_count               = var.cpu_nodes.max
  max_pods                = 50
  os_disk_type            = "Ephemeral"
  host_encryption_enabled = true
  zones                   = ["1", "2", "3"]
  node_labels             = { workload = "cpu" }
  tags                    = var.tags

  upgrade_settings {
    max_surge = "33%"
  }
}

# Training pods select `workload: gpu` and tolerate the taint; nothing else lands on GPU nodes.
# The pool scales from zero.
resource "azurerm_kubernetes_cluster_node_pool" "gpu" {
  count                   = var.gpu_nodes_max > 0 ? 1 : 0
  name                    = "gpu"
  kubernetes_cluster_id   = azurerm_kubernetes_cluster.this.id
  vm_size                 = var.gpu_vm_size
  vnet_subnet_id          = var.node_subnet_id
  mode                    = "User"
  auto_scaling_enabled    = true
  min_count               = 0
  max_count               = var.gpu_nodes_max
  max_pods                = 50
  os_disk_type            = "Managed"
  host_encryption_enabled = true
  node_labels             = { workload = "gpu" }
  node_taints             = ["nvidia.com/gpu=true:NoSchedule"]
  tags                    = var.tags

  upgrade_settings {
    max_surge = "1"
  }
}

# The deploy pipeline gets kubeconfig (Cluster User) and may write only its namespace (RBAC Writer
# scoped to the namespace).
resource "azurerm_role_assignment" "deployer_credentials" {
  for_each             = toset(var.deployer_principal_ids)
  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = each.value
}

resource "azurerm_role_assignment" "deployer_namespace" {
  for_each             = toset(var.deployer_principal_ids)
  scope                = "${azurerm_kubernetes_cluster.this.id}/namespaces/${var.deploy_namespace}"
  role_definition_name = "Azure Kubernetes Service RBAC Writer"
  principal_id         = each.value
}
