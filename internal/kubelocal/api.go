package kubelocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// APIError is the API server's refusal of a request, with its own message (a metav1.Status).
type APIError struct {
	Code    int    // HTTP status, e.g. 422 for an invalid object, 403 for a forbidden one
	Reason  string // e.g. "Invalid", "Forbidden", "AlreadyExists"
	Message string // the API server's message, verbatim
}

func (e *APIError) Error() string { return e.Message }

// clusterScoped lists the kinds this package may meet that have no namespace.
var clusterScoped = map[string]bool{
	"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true, "PriorityClass": true,
	"StorageClass": true, "CustomResourceDefinition": true, "PersistentVolume": true, "IngressClass": true,
}

// resourcePath is the REST path of the collection an object belongs to, e.g.
// /apis/apps/v1/namespaces/web/deployments. The plural is the lower-cased kind with the
// English plural the built-in kinds use (NetworkPolicy -> networkpolicies, Ingress -> ingresses).
func resourcePath(apiVersion, kind, namespace string) (string, error) {
	if apiVersion == "" || kind == "" {
		return "", errors.New("kubelocal: the object needs apiVersion and kind")
	}
	prefix := "/apis/" + apiVersion
	if !strings.Contains(apiVersion, "/") {
		prefix = "/api/" + apiVersion
	}
	plural := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(plural, "y"):
		plural = strings.TrimSuffix(plural, "y") + "ies"
	case strings.HasSuffix(plural, "s"):
		plural += "es"
	default:
		plural += "s"
	}
	if clusterScoped[kind] {
		return prefix + "/" + plural, nil
	}
	if namespace == "" {
		return "", fmt.Errorf("kubelocal: the %s needs metadata.namespace", kind)
	}
	return prefix + "/namespaces/" + url.PathEscape(namespace) + "/" + plural, nil
}

// Create creates obj (a Kubernetes object as decoded from JSON or YAML) and returns the stored
// object. A refusal is an *APIError carrying the API server's message.
func (c *ControlPlane) Create(ctx context.Context, obj map[string]any) (map[string]any, error) {
	return c.create(ctx, obj, false)
}

// DryRun submits obj with dryRun=All: validated and admitted (Pod Security included) like a
// real create, but not stored. A refusal is an *APIError carrying the API server's message.
func (c *ControlPlane) DryRun(ctx context.Context, obj map[string]any) (map[string]any, error) {
	return c.create(ctx, obj, true)
}

// DryRunPod judges a pod template (a Deployment's spec.template) by dry-running the Pod it would
// create in namespace: admission does not refuse a Deployment whose pods violate the
// namespace's Pod Security level (it only warns), but it refuses the Pod, with a message
// such as `pods "web" is forbidden: violates PodSecurity "restricted:latest": ...`.
func (c *ControlPlane) DryRunPod(ctx context.Context, namespace, name string, template map[string]any) error {
	_, err := c.DryRun(ctx, PodFromTemplate(namespace, name, template))
	return err
}

// PodFromTemplate is the Pod a controller would create from a pod template: the template's
// metadata (labels, annotations) and spec, with the given name and namespace.
func PodFromTemplate(namespace, name string, template map[string]any) map[string]any {
	meta := map[string]any{}
	if m, ok := template["metadata"].(map[string]any); ok {
		for k, v := range m {
			meta[k] = v
		}
	}
	meta["name"], meta["namespace"] = name, namespace
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Pod",
		"metadata":   meta,
		"spec":       template["spec"],
	}
}

// Get reads an object; a missing one is an *APIError with Code 404.
func (c *ControlPlane) Get(ctx context.Context, apiVersion, kind, namespace, name string) (map[string]any, error) {
	p, err := resourcePath(apiVersion, kind, namespace)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, http.MethodGet, p+"/"+url.PathEscape(name), nil)
}

func (c *ControlPlane) create(ctx context.Context, obj map[string]any, dryRun bool) (map[string]any, error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	namespace, _ := meta["namespace"].(string)
	p, err := resourcePath(apiVersion, kind, namespace)
	if err != nil {
		return nil, err
	}
	if dryRun {
		p += "?dryRun=All"
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, http.MethodPost, p, body)
}

// do sends one request to the API server as User.
func (c *ControlPlane) do(ctx context.Context, method, path string, body []byte) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("kubelocal: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var status struct {
			Message string `json:"message"`
			Reason  string `json:"reason"`
		}
		if json.Unmarshal(data, &status) != nil || status.Message == "" {
			status.Message = fmt.Sprintf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
		}
		return nil, &APIError{Code: resp.StatusCode, Reason: status.Reason, Message: status.Message}
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("kubelocal: %s %s: %w", method, path, err)
	}
	return out, nil
}

// podControllers are the kinds whose pods CheckPodSecurity judges, by collection path.
var podControllers = []struct{ kind, path string }{
	{"Deployment", "/apis/apps/v1/deployments"},
	{"StatefulSet", "/apis/apps/v1/statefulsets"},
	{"DaemonSet", "/apis/apps/v1/daemonsets"},
	{"Job", "/apis/batch/v1/jobs"},
}

// CheckPodSecurity dry-runs, for every Deployment, StatefulSet, DaemonSet and Job in the
// cluster, the Pod its template would create, in its namespace: that is where the namespace's
// Pod Security level is enforced, since no controller creates pods here. It returns nil when
// every pod is admitted, and otherwise one error per refused template, each naming the object
// and carrying the API server's message (errors.As finds the *APIError).
func (c *ControlPlane) CheckPodSecurity(ctx context.Context) error {
	var errs []error
	for _, pc := range podControllers {
		list, err := c.do(ctx, http.MethodGet, pc.path, nil)
		if err != nil {
			return err
		}
		items, _ := list["items"].([]any)
		for _, it := range items {
			obj, _ := it.(map[string]any)
			meta, _ := obj["metadata"].(map[string]any)
			namespace, _ := meta["namespace"].(string)
			name, _ := meta["name"].(string)
			spec, _ := obj["spec"].(map[string]any)
			template, _ := spec["template"].(map[string]any)
			if template == nil {
				continue
			}
			if err := c.DryRunPod(ctx, namespace, podName(name), template); err != nil {
				errs = append(errs, fmt.Errorf("%s %s/%s: %w", pc.kind, namespace, name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// podName is the name of the dry-run pod of a controller: its name, shortened to leave room for
// a suffix a controller would add.
func podName(controller string) string {
	const maxLen = 200
	if len(controller) > maxLen {
		controller = strings.TrimRight(controller[:maxLen], "-.")
	}
	return controller + "-pod-security"
}
