terraform {
  required_version = ">= 1.10"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.20"
    }
  }

  # Partial configuration: the storage account comes from `bootstrap/` and the key per
  # environment from envs/<env>.azurerm.tfbackend (see docs/deployment-guide.md, "Infrastructure").
  backend "azurerm" {}
}

# The subscription comes from ARM_SUBSCRIPTION_ID; credentials from `az login` or, in CI, OIDC
# federation (ARM_USE_OIDC). Storage data-plane calls use Entra ID: the account has no shared key.
provider "azurerm" {
  storage_use_azuread = true

  features {
    key_vault {
      # Purge protection is on: a deleted vault stays recoverable, never purged by Terraform.
      purge_soft_delete_on_destroy = false
    }
  }
}
