output "name" {
  value = aws_eks_cluster.this.name
}

output "oidc_issuer_url" {
  value = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "node_security_group_id" {
  # Managed node groups run in the cluster security group.
  value = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}
