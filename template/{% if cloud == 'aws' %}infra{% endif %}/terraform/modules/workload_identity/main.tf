# IRSA: the cluster's OIDC issuer is trusted, and one role may be assumed only by the project's
# ServiceAccount in the environment's namespace. The role reads and writes the project's bucket,
# uses the environment's key, and reads the app's secrets: nothing else.

variable "name" {
  description = "Role name prefix."
  type        = string
}

variable "oidc_issuer_url" {
  description = "OIDC issuer of the EKS cluster."
  type        = string
}

variable "namespace" {
  description = "Namespace of the ServiceAccount."
  type        = string
}

variable "service_account" {
  description = "Name of the ServiceAccount allowed to assume the role."
  type        = string
}

variable "bucket_arn" {
  description = "The project's bucket."
  type        = string
}

variable "kms_key_arn" {
  description = "The environment's KMS key."
  type        = string
}

variable "secret_arns" {
  description = "Secrets the workloads read."
  type        = list(string)
}

locals {
  issuer = trimprefix(var.oidc_issuer_url, "https://")
}

resource "aws_iam_openid_connect_provider" "cluster" {
  url            = var.oidc_issuer_url
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.cluster.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "workload" {
  name               = "${var.name}-workload"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "workload" {
  statement {
    sid       = "ListBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "ReadWriteObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.bucket_arn}/*"]
  }

  statement {
    sid       = "UseKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = var.secret_arns
  }
}

resource "aws_iam_role_policy" "workload" {
  name   = "workload"
  role   = aws_iam_role.workload.id
  policy = data.aws_iam_policy_document.workload.json
}

output "role_arn" {
  value = aws_iam_role.workload.arn
}
