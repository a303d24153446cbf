package stacks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components"
)

// Standby profiles (issue 12). In active-passive the passive region carries nothing until it must
// carry everything. A stamp's floors (user node pool minimum, workload replicas and HPA minimum,
// Application Gateway minimum capacity) follow its role: it runs at the serving floors when its
// profile is hot, or when the global stack gives its origin priority 1; a warm standby otherwise
// runs at the warm floors. Ceilings never change with the profile.
//
// The origin lives in the global stack and the floors in the stamp's, and a failover must never
// run the program of the region it leaves, so "capacity before traffic" is an order between two
// updates, enforced by the global stack: it refuses to give priority 1 to a deployed stamp that
// does not export servingCapacity true, before it registers anything, and says what to run.

// Timing assumptions of the absorb estimate, in seconds. They are estimates, not Azure SLAs:
// measure your own (the cluster autoscaler's events and the gateway's activity log show them).
const (
	// autoscalerScanSeconds is the cluster autoscaler's scan interval (AutoScalerProfile in
	// components/cluster.go; AKS's default is 10 s too).
	autoscalerScanSeconds = 10
	// nodeProvisionSeconds is a VM scale set node created, booted, joined and Ready. Azure
	// publishes no figure; the cluster autoscaler FAQ (kubernetes/autoscaler) separates its own
	// scale-up decision (seconds) from the cloud's provisioning, which for a VM with an AKS node
	// image is commonly a few minutes. Five is the planning figure used here.
	nodeProvisionSeconds = 300
	// podStartSeconds is the HPA's sync period (15 s), scheduling, the image pull from the
	// registry's replica in the region, and the readiness probe (5 s delay, 10 s period).
	podStartSeconds = 60
	// appGatewayInstanceSeconds is one new Application Gateway v2 instance: Microsoft documents
	// about three to five minutes (six to seven in older versions of the page)
	// (https://learn.microsoft.com/azure/application-gateway/application-gateway-autoscaling-zone-redundant).
	appGatewayInstanceSeconds = 300
)

// Capacity is what a stamp exports about its size: the floors it applied, its ceilings, what the
// serving floors are, and the estimated time to absorb the active region's load from this state.
// Counts and units only: prices depend on region, agreement and date (README, "What a region
// costs").
type Capacity struct {
	Profile string `json:"profile"`
	Serving bool   `json:"serving"`

	SystemNodeVMSize        string `json:"systemNodeVmSize"`
	SystemNodeMinCount      int    `json:"systemNodeMinCount"`
	UserNodeVMSize          string `json:"userNodeVmSize"`
	UserNodeMinCount        int    `json:"userNodeMinCount"`
	UserNodeMinCountPerZone []int  `json:"userNodeMinCountPerZone"`
	WorkloadReplicas        int    `json:"workloadReplicas"`
	AppGatewayMinCapacity   int    `json:"appGatewayMinCapacity"`
	// Firewalls is one zone-redundant Azure Firewall Standard, billed per deployment hour plus
	// processed data; FirewallPublicIPs its Standard public IPs.
	Firewalls         int `json:"firewalls"`
	FirewallPublicIPs int `json:"firewallPublicIps"`

	ServingUserNodeMinCount      int `json:"servingUserNodeMinCount"`
	ServingWorkloadReplicas      int `json:"servingWorkloadReplicas"`
	ServingAppGatewayMinCapacity int `json:"servingAppGatewayMinCapacity"`

	UserNodeMaxCount      int `json:"userNodeMaxCount"`
	MaxPodsPerNode        int `json:"maxPodsPerNode"`
	WorkloadMaxReplicas   int `json:"workloadMaxReplicas"`
	AppGatewayMaxCapacity int `json:"appGatewayMaxCapacity"`

	// AbsorbSeconds estimates the time from traffic arriving to the serving floors running:
	// nodes (autoscaler scan plus provisioning) and pods, or new gateway instances, whichever is
	// longer. Front Door's detection time (frontDoorFailoverDetectionSeconds) comes before it in
	// an unplanned failover; a planned promotion raises the floors first, so traffic meets them.
	AbsorbSeconds int `json:"absorbSeconds"`
}

// capacityOf describes the stamp at the given floors.
func capacityOf(cfg *Config, applied Floors) Capacity {
	s := cfg.Stamp
	serving := s.FloorsFor(true)
	return Capacity{
		Profile: s.Standby.Profile, Serving: applied.Serving,
		SystemNodeVMSize: s.Cluster.SystemPool.VMSize, SystemNodeMinCount: s.Cluster.SystemPool.MinCount,
		UserNodeVMSize: s.Cluster.UserPool.VMSize, UserNodeMinCount: applied.UserNodeMinCount,
		UserNodeMinCountPerZone: components.SplitAcrossZones(applied.UserNodeMinCount),
		WorkloadReplicas:        applied.WorkloadReplicas, AppGatewayMinCapacity: applied.AppGatewayMinCapacity,
		Firewalls: 1, FirewallPublicIPs: s.FirewallPublicIPCount,
		ServingUserNodeMinCount: serving.UserNodeMinCount, ServingWorkloadReplicas: serving.WorkloadReplicas,
		ServingAppGatewayMinCapacity: serving.AppGatewayMinCapacity,
		UserNodeMaxCount:             s.Cluster.UserPool.MaxCount, MaxPodsPerNode: s.Cluster.MaxPodsPerNode,
		WorkloadMaxReplicas: s.Workload.MaxReplicas, AppGatewayMaxCapacity: components.AppGatewayMaxCapacity,
		AbsorbSeconds: absorbSeconds(applied, serving),
	}
}

// absorbSeconds estimates how long a stamp at the applied floors takes to reach the serving
// floors once the active region's traffic arrives.
func absorbSeconds(applied, serving Floors) int {
	compute := podStartSeconds
	if applied.UserNodeMinCount < serving.UserNodeMinCount {
		compute += autoscalerScanSeconds + nodeProvisionSeconds
	}
	gateway := 0
	if applied.AppGatewayMinCapacity < serving.AppGatewayMinCapacity {
		gateway = appGatewayInstanceSeconds
	}
	return max(compute, gateway)
}

// toMap turns the capacity into a stack output.
func (c Capacity) toMap() pulumi.Map {
	raw, _ := json.Marshal(c)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return pulumi.ToMap(m)
}

// capacityFrom reads a stamp's capacity output; ok is false when it is absent or malformed.
func capacityFrom(v any) (Capacity, bool) {
	var c Capacity
	if v == nil {
		return c, false
	}
	raw, err := json.Marshal(v)
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Profile == "" {
		return c, false
	}
	return c, true
}

// summary says in one line what a stamp runs at, against the serving floors.
func (c Capacity) summary() string {
	return fmt.Sprintf("user nodes minimum %d of %d, workload replicas %d of %d, gateway minimum %d of %d",
		c.UserNodeMinCount, c.ServingUserNodeMinCount, c.WorkloadReplicas, c.ServingWorkloadReplicas,
		c.AppGatewayMinCapacity, c.ServingAppGatewayMinCapacity)
}

// originPriority is this stamp's origin priority as the global stack's config had it at its last
// update (0 when unknown): declaredOriginPriorities, or originPriorities from a global stack of
// an earlier version.
func originPriority(ctx *pulumi.Context, values map[string]any) int {
	self := ctx.Organization() + "/" + ctx.Project() + "/" + ctx.Stack()
	for _, key := range []string{OutDeclaredPriorities, OutOriginPriorities} {
		m, _ := values[key].(map[string]any)
		for _, name := range []string{ctx.Stack(), self} {
			if v, ok := m[name]; ok {
				if n, err := strconv.Atoi(fmt.Sprint(v)); err == nil {
					return n
				}
			}
		}
	}
	return 0
}

// checkSibling compares this stamp with a deployed sibling: the same Kubernetes version and
// workload image (unless allowVersionSkew), and ceilings that carry the sibling's full load.
func checkSibling(ctx *pulumi.Context, cfg *Config, sibling string, values map[string]any, missing []string) []error {
	name := shortStack(sibling)
	if len(missingOf(missing, standbyOutputs)) > 0 {
		_ = ctx.Log.Warn(fmt.Sprintf("stamp %s was last updated by an earlier version of this program: its Kubernetes version, image and ceilings are not compared with this stamp's until `pulumi up -s %s`", name, name), nil)
		return nil
	}
	s := cfg.Stamp
	var errs []error
	upgrade := fmt.Sprintf("both regions must run the same one, so that a failover lands on what the active region runs. "+
		"To upgrade, set `pulumi config set %s:allowVersionSkew true` in the passive region's stack for the duration of the upgrade, upgrade it first, verify, then the active one, then remove the setting (README, \"Upgrading the two regions\")", Namespace)
	if !s.AllowVersionSkew {
		if other := str(values, OutKubernetesVersion); other != s.Cluster.KubernetesVersion {
			errs = append(errs, fmt.Errorf("%s:kubernetesVersion: %s here, but stack %s runs %s; %s", Namespace, s.Cluster.KubernetesVersion, name, other, upgrade))
		}
		if other := str(values, OutWorkloadImage); !sameImage(other, s.Workload.Image) {
			errs = append(errs, fmt.Errorf("%s:workloadImage: %s here, but stack %s runs %s; %s", Namespace, s.Workload.Image, name, other, upgrade))
		}
	}
	other, ok := capacityFrom(values[OutCapacity])
	if !ok {
		return errs
	}
	// Ceilings never shrink: whichever region is passive must be able to carry the active one's
	// full load, so each stamp's ceilings are at least its siblings'.
	if s.Workload.MaxReplicas < other.WorkloadMaxReplicas {
		errs = append(errs, fmt.Errorf("%s:workloadMaxReplicas: (%d) cannot carry stack %s's full load (its workloadMaxReplicas is %d); a standby's ceilings must be at least the active region's, only its floors may be lower",
			Namespace, s.Workload.MaxReplicas, name, other.WorkloadMaxReplicas))
	}
	if s.Cluster.UserPool.VMSize == other.UserNodeVMSize && s.Cluster.UserPool.MaxCount < other.UserNodeMaxCount {
		errs = append(errs, fmt.Errorf("%s:userNodeMaxCount: (%d x %s) cannot carry stack %s's full load (%d x %s); a standby's ceilings must be at least the active region's, only its floors may be lower",
			Namespace, s.Cluster.UserPool.MaxCount, s.Cluster.UserPool.VMSize, name, other.UserNodeMaxCount, other.UserNodeVMSize))
	}
	if s.Cluster.UserPool.VMSize != other.UserNodeVMSize {
		errs = append(errs, fmt.Errorf("%s:userNodeVmSize: %s here, but stack %s's user nodes are %s; use one size in both regions so that their node ceilings compare (and a failover lands on tested capacity)",
			Namespace, s.Cluster.UserPool.VMSize, name, other.UserNodeVMSize))
	}
	return errs
}

// checkPromotion is the global stack's half of "capacity before traffic": an origin may get
// priority 1 only when its stamp exports servingCapacity true. A stamp last updated by an earlier
// version ran today's hot profile and passes.
func checkPromotion(cfg *Config, stamps map[string]deployedStamp) error {
	var errs []error
	for _, o := range cfg.Global.Origins {
		st, deployed := stamps[o.Stack]
		if !deployed || o.Priority != 1 || !o.Enabled || st.serving == nil || *st.serving {
			continue
		}
		detail := ""
		if st.capacity != nil {
			detail = " (" + st.capacity.summary() + ")"
		}
		errs = append(errs, fmt.Errorf("%s:origins.%s.priority: 1 would send the traffic to %s, which runs at warm standby floors%s. Capacity first, then traffic: "+
			"run `pulumi config set %s:standbyProfile hot -s %s && pulumi up -s %s` (in %s, which must answer), then `pulumi up -s global` again. Nothing was changed",
			Namespace, o.Stack, o.Stack, detail, Namespace, o.Stack, o.Stack, o.Location))
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = "  - " + e.Error()
		}
		return fmt.Errorf("capacity before traffic: the global stack gives priority 1 only to a stamp that runs at its serving floors:\n%s", strings.Join(msgs, "\n"))
	}
	return nil
}

// standbyNote is the one-line description of the floors a stamp applied, for its log.
func standbyNote(cfg *Config, c Capacity, priority int) string {
	why := "its profile is hot"
	switch {
	case cfg.Stamp.Standby.Profile == ProfileWarm && c.Serving:
		why = "its origin has priority 1"
	case !c.Serving && priority == 0:
		why = "it is a warm standby (the global stack gives it no priority yet)"
	case !c.Serving:
		why = fmt.Sprintf("it is a warm standby (origin priority %d)", priority)
	}
	return fmt.Sprintf("floors: %s, because %s; estimated time to absorb the active load from here: %d s", c.summary(), why, c.AbsorbSeconds)
}

// sameImage reports whether two references pull the same image: the same repository and digest
// (the tag does not matter; the registry serves the digest).
func sameImage(a, b string) bool {
	ra, da, errA := components.SplitImage(a)
	rb, db, errB := components.SplitImage(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ra == rb && da == db
}
