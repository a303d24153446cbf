package simprovider

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// clusterScoped lists the kinds whose ID has no namespace.
var clusterScoped = map[string]bool{
	"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true, "StorageClass": true,
	"PriorityClass": true, "CustomResourceDefinition": true, "PersistentVolume": true,
	"IngressClass": true, "ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
}

// kubernetes simulates the kubernetes provider: a cluster that accepts every object.
type kubernetes struct {
	// region is the region of the configured cluster's API server, if its URL names one.
	region string
}

// NewKubernetes returns the simulated kubernetes provider.
func NewKubernetes() *Provider {
	return &Provider{pkg: "kubernetes", version: "4.32.0", b: &kubernetes{}}
}

// configure notes where the cluster is, from the kubeconfig's API server.
func (k *kubernetes) configure(vars resource.PropertyMap) {
	if kc, ok := str(vars, "kubeconfig"); ok {
		k.region = clusterRegion(kubeconfigServer(kc))
	}
}

func (*kubernetes) observe(call, resource.PropertyMap) {}

// regions: every object lives in the configured cluster.
func (k *kubernetes) regions(call, resource.PropertyMap) []string { return []string{k.region} }

func (*kubernetes) invokeRegions(string, resource.PropertyMap) []string { return nil }

// check names an object the program leaves unnamed after its Pulumi name (the real provider
// appends a random suffix).
func (*kubernetes) check(c call, olds, news resource.PropertyMap) (resource.PropertyMap, []string) {
	inputs := news.Copy()
	if _, ok := lookup(inputs, "metadata", "name"); ok {
		return inputs, nil
	}
	name := resource.NewStringProperty(c.name)
	if old, ok := lookup(olds, "metadata", "name"); ok {
		name = old
	}
	meta := resource.PropertyMap{}
	if m, ok := lookup(inputs, "metadata"); ok && m.IsObject() {
		meta = m.ObjectValue().Copy()
	} else if ok && isUnknown(m) {
		return inputs, nil
	}
	meta["name"] = name
	inputs["metadata"] = resource.NewObjectProperty(meta)
	return inputs, nil
}

// replaces: an object's kind and apiVersion cannot change in place.
func (*kubernetes) replaces(_ call, key resource.PropertyKey) bool {
	return key == "kind" || key == "apiVersion"
}

// identify returns namespace/name (or name for cluster-scoped kinds), as the real provider does.
func (*kubernetes) identify(_ call, in resource.PropertyMap) (string, string, error) {
	name, ok := str(in, "metadata", "name")
	if !ok {
		if v, found := lookup(in, "metadata", "name"); found && isUnknown(v) {
			return "", "", nil
		}
		return "", "", fmt.Errorf("metadata.name is missing")
	}
	kind, _ := str(in, "kind")
	if clusterScoped[kind] {
		return name, name, nil
	}
	ns, ok := str(in, "metadata", "namespace")
	if !ok {
		if v, found := lookup(in, "metadata", "namespace"); found && isUnknown(v) {
			return "", name, nil
		}
		ns = "default"
	}
	return ns + "/" + name, name, nil
}

// computed adds what the API server and controllers would: a uid, and a status that says ready.
func (*kubernetes) computed(c call, _ string, in resource.PropertyMap) resource.PropertyMap {
	meta := resource.PropertyMap{"uid": resource.NewStringProperty(guid(string(c.urn), "uid"))}
	kind, _ := str(in, "kind")
	if _, ok := lookup(in, "metadata", "namespace"); !ok && !clusterScoped[kind] {
		meta["namespace"] = resource.NewStringProperty("default")
	}
	out := resource.PropertyMap{"metadata": resource.NewObjectProperty(meta)}
	h := seed(string(c.urn))
	switch kind {
	case "Namespace":
		out["status"] = obj("phase", "Active")
	case "Deployment", "StatefulSet", "ReplicaSet":
		n := 1.0
		if r, ok := lookup(in, "spec", "replicas"); ok && r.IsNumber() {
			n = r.NumberValue()
		}
		count := resource.NewNumberProperty(n)
		out["status"] = obj("replicas", count, "readyReplicas", count, "availableReplicas", count, "updatedReplicas", count)
	case "Service":
		if _, ok := lookup(in, "spec", "clusterIP"); !ok {
			out["spec"] = obj("clusterIP", fmt.Sprintf("10.0.%d.%d", byte(h>>8), 1+byte(h)%250))
		}
		if t, _ := str(in, "spec", "type"); t == "LoadBalancer" {
			ip, ok := str(in, "spec", "loadBalancerIP")
			if !ok {
				ip, ok = str(in, "metadata", "annotations", "service.beta.kubernetes.io/azure-load-balancer-ipv4")
			}
			if !ok {
				ip = fmt.Sprintf("10.%d.%d.%d", byte(h>>16), byte(h>>8), 1+byte(h)%250)
			}
			out["status"] = obj("loadBalancer", obj("ingress", resource.NewArrayProperty([]resource.PropertyValue{obj("ip", ip)})))
		}
	case "HorizontalPodAutoscaler":
		if r, ok := lookup(in, "spec", "minReplicas"); ok && r.IsNumber() {
			out["status"] = obj("currentReplicas", r, "desiredReplicas", r)
		}
	}
	return out
}

func (*kubernetes) reshape(_ call, outs resource.PropertyMap, _ bool) resource.PropertyMap {
	return outs
}

func (*kubernetes) invoke(tok string, _ resource.PropertyMap) (resource.PropertyMap, error) {
	return nil, fmt.Errorf("invoke %s is not simulated; add it to internal/simprovider/kubernetes.go", tok)
}
