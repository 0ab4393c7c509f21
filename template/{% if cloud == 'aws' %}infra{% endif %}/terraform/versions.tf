terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # Partial configuration: the bucket comes from `bootstrap/` and the key per environment
  # from envs/<env>.s3.tfbackend (see docs/deployment-guide.md, "Infrastructure").
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
