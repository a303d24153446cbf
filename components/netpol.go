package components

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// podSecurityLabels make the namespace enforce, audit and warn on the Pod Security Standard
// "restricted" profile (https://kubernetes.io/docs/concepts/security/pod-security-admission/).
var podSecurityLabels = pulumi.StringMap{
	"pod-security.kubernetes.io/enforce":         pulumi.String("restricted"),
	"pod-security.kubernetes.io/enforce-version": pulumi.String("latest"),
	"pod-security.kubernetes.io/audit":           pulumi.String("restricted"),
	"pod-security.kubernetes.io/warn":            pulumi.String("restricted"),
}

// privateRanges are excluded from the workload's internet egress: inside the VNets only what
// the policies name is reachable.
var privateRanges = pulumi.StringArray{pulumi.String("10.0.0.0/8"), pulumi.String("172.16.0.0/12"), pulumi.String("192.168.0.0/16")}

// policySpec is one NetworkPolicy: Pulumi name suffix, object name, spec.
type policySpec struct {
	suffix, name string
	spec         *networkingv1.NetworkPolicySpecArgs
}

// networkPolicies deny all traffic in the namespace, then allow:
//   - ingress to the app's pods on its port from IngressFromCIDRs (the Application Gateway
//     subnet: with externalTrafficPolicy Local the internal load balancer keeps the gateway's
//     source address, and its health probes go to kube-proxy's health check port on the node,
//     not to the pods). Kubelet probes need no rule: traffic from a pod's own node is always
//     allowed (https://kubernetes.io/docs/concepts/services-networking/network-policies/);
//   - egress to the cluster DNS (kube-dns in kube-system), UDP and TCP 53;
//   - egress on TCP 443 to EgressHTTPSToCIDRs (the Key Vault's private endpoint) and, for a pod
//     with a workload identity, to public addresses, where Entra ID's token endpoint is (the hub
//     firewall still admits only the FQDNs it allows).
//
// AKS enforces them with the network policy engine the cluster is created with ("azure").
func networkPolicies(ctx *pulumi.Context, name string, a WorkloadArgs, app pulumi.StringMap, opts ...pulumi.ResourceOption) ([]*networkingv1.NetworkPolicy, error) {
	tcp, udp := pulumi.String("TCP"), pulumi.String("UDP")
	ipBlocks := func(cidrs []string) networkingv1.NetworkPolicyPeerArray {
		var out networkingv1.NetworkPolicyPeerArray
		for _, c := range cidrs {
			out = append(out, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
		}
		return out
	}
	policy := func(suffix, objName string, spec *networkingv1.NetworkPolicySpecArgs) (*networkingv1.NetworkPolicy, error) {
		return networkingv1.NewNetworkPolicy(ctx, name+"-netpol-"+suffix, &networkingv1.NetworkPolicyArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(objName), Namespace: pulumi.String(a.Namespace), Labels: app},
			Spec:     spec,
		}, opts...)
	}
	all := &metav1.LabelSelectorArgs{}
	appPods := &metav1.LabelSelectorArgs{MatchLabels: app}
	specs := []policySpec{
		{"default-deny", "default-deny", &networkingv1.NetworkPolicySpecArgs{
			PodSelector: all,
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
		}},
		{"dns", "allow-dns", &networkingv1.NetworkPolicySpecArgs{
			PodSelector: all,
			PolicyTypes: pulumi.StringArray{pulumi.String("Egress")},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
				To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
					NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
					PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
				}},
				Ports: networkingv1.NetworkPolicyPortArray{
					networkingv1.NetworkPolicyPortArgs{Protocol: udp, Port: pulumi.Int(53)},
					networkingv1.NetworkPolicyPortArgs{Protocol: tcp, Port: pulumi.Int(53)},
				},
			}},
		}},
	}
	// An ingress rule without peers would admit every source: without IngressFromCIDRs there is
	// no ingress rule at all, and only the pods' own nodes reach them.
	if len(a.IngressFromCIDRs) > 0 {
		specs = append(specs, policySpec{"ingress", "allow-ingress-from-gateway", &networkingv1.NetworkPolicySpecArgs{
			PodSelector: appPods,
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")},
			Ingress: networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{
				From:  ipBlocks(a.IngressFromCIDRs),
				Ports: networkingv1.NetworkPolicyPortArray{networkingv1.NetworkPolicyPortArgs{Protocol: tcp, Port: pulumi.Int(a.Port)}},
			}},
		}})
	}
	https := ipBlocks(a.EgressHTTPSToCIDRs)
	if a.IdentityClientID != nil {
		https = append(https, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String("0.0.0.0/0"), Except: privateRanges}})
	}
	if len(https) > 0 {
		specs = append(specs, policySpec{"https", "allow-https-egress", &networkingv1.NetworkPolicySpecArgs{
			PodSelector: appPods,
			PolicyTypes: pulumi.StringArray{pulumi.String("Egress")},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
				To:    https,
				Ports: networkingv1.NetworkPolicyPortArray{networkingv1.NetworkPolicyPortArgs{Protocol: tcp, Port: pulumi.Int(443)}},
			}},
		}})
	}
	var out []*networkingv1.NetworkPolicy
	for _, s := range specs {
		p, err := policy(s.suffix, s.name, s.spec)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
