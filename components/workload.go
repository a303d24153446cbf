package components

import (
	"fmt"
	"maps"
	"strconv"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WorkloadArgs describes the application. Pass the Kubernetes provider with pulumi.Providers.
type WorkloadArgs struct {
	// Namespace holds every workload object. Default "workload".
	Namespace string
	// AppName labels and names the objects. Default "web".
	AppName string
	// Image is the container image reference. Required.
	Image string
	// Port is the container and service port. Required.
	Port int
	// HealthPath is probed by Kubernetes (readiness, liveness) and the Application Gateway. Required.
	HealthPath string
	// Replicas is the steady-state (and autoscaler minimum) replica count. Required.
	Replicas int
	// MaxReplicas is the autoscaler maximum: room to absorb the other region's traffic. Required.
	MaxReplicas int
	// CPURequest and MemoryRequest size each pod (Kubernetes quantities). Required.
	CPURequest, MemoryRequest string
	// TargetCPUPercent is the autoscaler's average CPU utilisation target. Required.
	TargetCPUPercent int
	// LoadBalancerIP is the fixed private IP of the internal load balancer. Required.
	LoadBalancerIP string
	// LoadBalancerSubnet is the Azure subnet of that IP. Optional (AKS uses the node subnet).
	LoadBalancerSubnet string
	// Registry is the login server of the project's registry. When set, pods pull the image's
	// repository and digest from it (RegistryImage), not from the registry Image names; Image must
	// then be pinned by digest. Optional.
	Registry pulumi.StringInput
	// ServiceAccountName is the pods' Kubernetes service account. Default AppName.
	ServiceAccountName string
	// IdentityClientID is the client ID of the Entra ID identity federated with the service
	// account (Entra workload identity): the service account is annotated with it and the pods
	// labelled, so the webhook projects a token for that identity alone. Optional.
	IdentityClientID pulumi.StringInput
	// IngressFromCIDRs may reach the pods on Port (NetworkPolicy), e.g. the Application Gateway
	// subnet behind the internal load balancer. Optional; the node's own traffic (kubelet probes)
	// is always allowed.
	IngressFromCIDRs []string
	// EgressHTTPSToCIDRs may be reached on TCP 443 besides DNS, e.g. the private-endpoint subnet
	// (Key Vault). Optional.
	EgressHTTPSToCIDRs []string
	// DependsOn must exist before any workload object (a component's own dependsOn does not
	// reach its children). Optional.
	DependsOn []pulumi.Resource
	// Region is the stamp's region: the pods get it in the environment variable RegionEnv, so
	// the application can say which region served a request (issue 9). Optional.
	Region string
	// RegionPage serves, with an nginx-unprivileged image, a page naming Region and the
	// response header RegionHeader on every answer, from an nginx template the image's
	// entrypoint fills in from RegionEnv at start. Requires Region. Optional.
	RegionPage bool
}

// RegionEnv is the environment variable that carries the stamp's region into the pods, and
// RegionHeader the response header that names it (what the failover drill reads).
const (
	RegionEnv    = "AKSDR_REGION"
	RegionHeader = "X-Served-By-Region"
)

// regionPageTemplate is an nginx server block for the nginx-unprivileged image's entrypoint
// (docker-entrypoint.d/20-envsubst-on-templates.sh): it substitutes only the variables set in
// the environment (PORT and RegionEnv), leaving nginx's own variables alone, and writes the
// result to /etc/nginx/conf.d, an emptyDir here since the root filesystem is read-only. Every
// path answers 200 with the region, so the health probes of Kubernetes, the Application
// Gateway and Front Door see the same page as users; no-store keeps Front Door and browsers
// from caching an answer of the region that served before a failover.
const regionPageTemplate = `server {
    listen ${PORT};
    server_name _;
    add_header ` + RegionHeader + ` "${` + RegionEnv + `}" always;
    add_header Cache-Control "no-store" always;
    location / {
        default_type text/html;
        return 200 '<!doctype html><html><head><title>aks-dr</title></head><body><h1>aks-dr</h1><p>aks-dr region: ${` + RegionEnv + `}</p></body></html>\n';
    }
}
`

// withDefaults fills in the optional names.
func (a WorkloadArgs) withDefaults() WorkloadArgs {
	if a.Namespace == "" {
		a.Namespace = "workload"
	}
	if a.AppName == "" {
		a.AppName = "web"
	}
	if a.ServiceAccountName == "" {
		a.ServiceAccountName = a.AppName
	}
	return a
}

// ServiceAccountSubject is the subject of the pods' service account tokens, which a federated
// identity credential trusts.
func (a WorkloadArgs) ServiceAccountSubject() string {
	d := a.withDefaults()
	return "system:serviceaccount:" + d.Namespace + ":" + d.ServiceAccountName
}

// Workload is the application of one region: a zone-spread Deployment with probes, a disruption
// budget, an autoscaler and an internal load balancer at a fixed IP behind the Application Gateway.
// Its namespace enforces the Pod Security Standard "restricted" profile, denies all traffic but
// what NetworkPolicies allow, and its pods mount no Kubernetes API token.
type Workload struct {
	pulumi.ResourceState

	Namespace   *corev1.Namespace
	Deployment  *appsv1.Deployment
	Disruptions *policyv1.PodDisruptionBudget
	Service     *corev1.Service
	Autoscaler  *autoscalingv2.HorizontalPodAutoscaler

	ServiceAccount  *corev1.ServiceAccount
	NetworkPolicies []*networkingv1.NetworkPolicy
	// RegionPage holds the nginx template of the region page (with WorkloadArgs.RegionPage).
	RegionPage *corev1.ConfigMap
	// Image is the reference the pods pull.
	Image pulumi.StringOutput
}

// NewWorkload deploys the application through the Kubernetes provider given in opts.
func NewWorkload(ctx *pulumi.Context, name string, args *WorkloadArgs, opts ...pulumi.ResourceOption) (*Workload, error) {
	if args == nil {
		args = &WorkloadArgs{}
	}
	a := args.withDefaults()
	image := pulumi.String(a.Image).ToStringOutput()
	if a.Registry != nil {
		if _, _, err := SplitImage(a.Image); err != nil {
			return nil, fmt.Errorf("Workload: Image: %w", err)
		}
		image = a.Registry.ToStringOutput().ApplyT(func(loginServer string) (string, error) {
			return RegistryImage(loginServer, a.Image)
		}).(pulumi.StringOutput)
	}
	if err := require("Workload", map[string]bool{
		"Image": a.Image != "", "Port": a.Port > 0, "HealthPath": a.HealthPath != "", "Replicas": a.Replicas > 0,
		"MaxReplicas": a.MaxReplicas >= a.Replicas && a.MaxReplicas > 0, "CPURequest": a.CPURequest != "",
		"MemoryRequest": a.MemoryRequest != "", "TargetCPUPercent": a.TargetCPUPercent > 0, "LoadBalancerIP": a.LoadBalancerIP != "",
	}); err != nil {
		return nil, err
	}
	if a.RegionPage && a.Region == "" {
		return nil, fmt.Errorf("Workload: RegionPage needs Region")
	}
	w := &Workload{Image: image}
	if err := ctx.RegisterComponentResource("aks-dr:k8s:Workload", name, w, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(w)
	labels := pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(a.AppName)}
	meta := func(objName string, annotations pulumi.StringMap) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(objName), Namespace: pulumi.String(a.Namespace), Labels: labels, Annotations: annotations}
	}
	var err error
	// Every other object is in the namespace and waits for it, so its dependencies hold for all.
	w.Namespace, err = corev1.NewNamespace(ctx, name+"-ns", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(a.Namespace), Labels: podSecurityLabels},
	}, parent, pulumi.DependsOn(a.DependsOn))
	if err != nil {
		return nil, err
	}
	inNamespace := pulumi.DependsOn([]pulumi.Resource{w.Namespace})
	// No pod mounts a Kubernetes API token: the application does not call the API server. With
	// workload identity the webhook still projects the separate, audience-bound token for Entra ID.
	saAnnotations := pulumi.StringMap{}
	if a.IdentityClientID != nil {
		saAnnotations["azure.workload.identity/client-id"] = a.IdentityClientID
	}
	w.ServiceAccount, err = corev1.NewServiceAccount(ctx, name+"-sa", &corev1.ServiceAccountArgs{
		Metadata:                     meta(a.ServiceAccountName, saAnnotations),
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, parent, inNamespace)
	if err != nil {
		return nil, err
	}
	if w.NetworkPolicies, err = networkPolicies(ctx, name, a, labels, parent, inNamespace); err != nil {
		return nil, err
	}
	deploymentDeps := []pulumi.Resource{w.Namespace, w.ServiceAccount}
	if a.RegionPage {
		w.RegionPage, err = corev1.NewConfigMap(ctx, name+"-region-page", &corev1.ConfigMapArgs{
			Metadata: meta(a.AppName+"-region-page", nil),
			Data:     pulumi.StringMap{"default.conf.template": pulumi.String(regionPageTemplate)},
		}, parent, inNamespace)
		if err != nil {
			return nil, err
		}
		deploymentDeps = append(deploymentDeps, w.RegionPage)
	}
	podLabels := maps.Clone(labels)
	if a.IdentityClientID != nil {
		podLabels["azure.workload.identity/use"] = pulumi.String("true")
	}
	w.Deployment, err = appsv1.NewDeployment(ctx, name+"-deployment", &appsv1.DeploymentArgs{
		Metadata: meta(a.AppName, nil),
		Spec: &appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(a.Replicas),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: labels},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: podLabels},
				Spec:     podSpec(a, image, labels),
			},
		},
	}, parent, pulumi.DependsOn(deploymentDeps),
		// The autoscaler owns the replica count once the Deployment exists.
		pulumi.IgnoreChanges([]string{"spec.replicas"}))
	if err != nil {
		return nil, err
	}
	w.Disruptions, err = policyv1.NewPodDisruptionBudget(ctx, name+"-pdb", &policyv1.PodDisruptionBudgetArgs{
		Metadata: meta(a.AppName, nil),
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{
			MaxUnavailable: pulumi.Int(1),
			Selector:       &metav1.LabelSelectorArgs{MatchLabels: labels},
		},
	}, parent, inNamespace)
	if err != nil {
		return nil, err
	}
	lbAnnotations := pulumi.StringMap{
		"service.beta.kubernetes.io/azure-load-balancer-internal": pulumi.String("true"),
		"service.beta.kubernetes.io/azure-load-balancer-ipv4":     pulumi.String(a.LoadBalancerIP),
	}
	if a.LoadBalancerSubnet != "" {
		lbAnnotations["service.beta.kubernetes.io/azure-load-balancer-internal-subnet"] = pulumi.String(a.LoadBalancerSubnet)
	}
	w.Service, err = corev1.NewService(ctx, name+"-service", &corev1.ServiceArgs{
		Metadata: meta(a.AppName, lbAnnotations),
		Spec: &corev1.ServiceSpecArgs{
			Type:                  pulumi.String("LoadBalancer"),
			Selector:              labels,
			ExternalTrafficPolicy: pulumi.String("Local"), // no second hop between nodes, and zone-local
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name:       pulumi.String("http"),
				Port:       pulumi.Int(a.Port),
				TargetPort: pulumi.Int(a.Port),
				Protocol:   pulumi.String("TCP"),
			}},
		},
	}, parent, inNamespace)
	if err != nil {
		return nil, err
	}
	w.Autoscaler, err = autoscalingv2.NewHorizontalPodAutoscaler(ctx, name+"-hpa", &autoscalingv2.HorizontalPodAutoscalerArgs{
		Metadata: meta(a.AppName, nil),
		Spec: &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
			ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
				ApiVersion: pulumi.String("apps/v1"),
				Kind:       pulumi.String("Deployment"),
				Name:       pulumi.String(a.AppName),
			},
			MinReplicas: pulumi.Int(a.Replicas),
			MaxReplicas: pulumi.Int(a.MaxReplicas),
			Metrics: autoscalingv2.MetricSpecArray{autoscalingv2.MetricSpecArgs{
				Type: pulumi.String("Resource"),
				Resource: &autoscalingv2.ResourceMetricSourceArgs{
					Name:   pulumi.String("cpu"),
					Target: &autoscalingv2.MetricTargetArgs{Type: pulumi.String("Utilization"), AverageUtilization: pulumi.Int(a.TargetCPUPercent)},
				},
			}},
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{w.Deployment}))
	if err != nil {
		return nil, err
	}
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{
		"namespace":      w.Namespace.Metadata.Name(),
		"loadBalancerIp": pulumi.String(a.LoadBalancerIP),
		"image":          image,
	})
}

// podSpec spreads pods evenly over zones (a zone outage takes at most a third of them), probes
// the health endpoint and requests resources so the autoscalers have something to act on. The
// zone spread is strict (DoNotSchedule): on AKS the stamp gives each zone its own user node pool
// so that the cluster autoscaler can add the node a pending pod's zone needs (see agentPools);
// with a single multi-zone pool a surge could leave pods Pending. Only zones with nodes count as
// domains, and the spread honours taints (nodeTaintsPolicy Honor), so the tainted system nodes in
// the other zones do not count either: a warm standby's floor of one user node still schedules
// its pods.
//
// The pod meets the Pod Security Standard "restricted" profile
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted): non-root,
// no privilege escalation, every capability dropped, the RuntimeDefault seccomp profile; and its
// root filesystem is read-only, with an emptyDir at /tmp for what the server writes.
func podSpec(a WorkloadArgs, image pulumi.StringInput, labels pulumi.StringMap) *corev1.PodSpecArgs {
	probe := func(initialDelay, failures int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{
			HttpGet:             &corev1.HTTPGetActionArgs{Path: pulumi.String(a.HealthPath), Port: pulumi.Int(a.Port)},
			InitialDelaySeconds: pulumi.Int(initialDelay),
			PeriodSeconds:       pulumi.Int(10),
			TimeoutSeconds:      pulumi.Int(2),
			FailureThreshold:    pulumi.Int(failures),
		}
	}
	spread := func(key, when string) corev1.TopologySpreadConstraintArgs {
		return corev1.TopologySpreadConstraintArgs{
			MaxSkew:           pulumi.Int(1),
			TopologyKey:       pulumi.String(key),
			WhenUnsatisfiable: pulumi.String(when),
			LabelSelector:     &metav1.LabelSelectorArgs{MatchLabels: labels},
			// Nodes whose taints the pods do not tolerate (the system pool) are no domains.
			NodeTaintsPolicy: pulumi.String("Honor"),
		}
	}
	volumes := corev1.VolumeArray{corev1.VolumeArgs{
		Name:     pulumi.String("tmp"),
		EmptyDir: &corev1.EmptyDirVolumeSourceArgs{SizeLimit: pulumi.String("64Mi")},
	}}
	mounts := corev1.VolumeMountArray{corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")}}
	env := corev1.EnvVarArray{corev1.EnvVarArgs{Name: pulumi.String("PORT"), Value: pulumi.String(strconv.Itoa(a.Port))}}
	if a.Region != "" {
		env = append(env, corev1.EnvVarArgs{Name: pulumi.String(RegionEnv), Value: pulumi.String(a.Region)})
	}
	if a.RegionPage {
		// The template, read-only, and the directory the entrypoint renders it into: a small
		// emptyDir, as the root filesystem stays read-only.
		volumes = append(volumes,
			corev1.VolumeArgs{Name: pulumi.String("nginx-conf"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{SizeLimit: pulumi.String("1Mi")}},
			corev1.VolumeArgs{Name: pulumi.String("region-page"), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: pulumi.String(a.AppName + "-region-page")}})
		mounts = append(mounts,
			corev1.VolumeMountArgs{Name: pulumi.String("nginx-conf"), MountPath: pulumi.String("/etc/nginx/conf.d")},
			corev1.VolumeMountArgs{Name: pulumi.String("region-page"), MountPath: pulumi.String("/etc/nginx/templates"), ReadOnly: pulumi.Bool(true)})
	}
	return &corev1.PodSpecArgs{
		ServiceAccountName:           pulumi.String(a.ServiceAccountName),
		AutomountServiceAccountToken: pulumi.Bool(false),
		SecurityContext: &corev1.PodSecurityContextArgs{
			RunAsNonRoot:   pulumi.Bool(true),
			SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
		},
		Volumes: volumes,
		TopologySpreadConstraints: corev1.TopologySpreadConstraintArray{
			spread("topology.kubernetes.io/zone", "DoNotSchedule"),
			spread("kubernetes.io/hostname", "ScheduleAnyway"),
		},
		Containers: corev1.ContainerArray{corev1.ContainerArgs{
			Name:  pulumi.String(a.AppName),
			Image: image,
			Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{Name: pulumi.String("http"), ContainerPort: pulumi.Int(a.Port)}},
			Resources: &corev1.ResourceRequirementsArgs{
				Requests: pulumi.StringMap{"cpu": pulumi.String(a.CPURequest), "memory": pulumi.String(a.MemoryRequest)},
				Limits:   pulumi.StringMap{"memory": pulumi.String(a.MemoryRequest)},
			},
			ReadinessProbe: probe(5, 3),
			LivenessProbe:  probe(15, 6),
			SecurityContext: &corev1.SecurityContextArgs{
				AllowPrivilegeEscalation: pulumi.Bool(false),
				Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
				ReadOnlyRootFilesystem:   pulumi.Bool(true),
				RunAsNonRoot:             pulumi.Bool(true),
				SeccompProfile:           &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
			},
			VolumeMounts: mounts,
			Env:          env,
		}},
	}
}
