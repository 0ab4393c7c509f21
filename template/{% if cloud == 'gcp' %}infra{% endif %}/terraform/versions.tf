terraform {
  required_version = ">= 1.10"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.20"
    }
  }

  # Partial configuration: the bucket comes from `bootstrap/` and the prefix per environment
  # from envs/<env>.gcs.tfbackend (see docs/deployment-guide.md, "Infrastructure").
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = local.labels
}
