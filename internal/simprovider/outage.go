package simprovider

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Outages is the set of regions the simulators treat as down. Every call that would reach Azure
// (or a cluster) for a resource located in such a region fails, as Azure fails it:
//
//   - azure-native: Create, Update, Delete and Read of a resource whose own location, or whose
//     resource group's location, is down (ARM keeps a resource's metadata in its group's
//     region, so a resource of a group whose region is down is read-only), and every invoke
//     naming such a resource or group (the AKS credentials, getResourceGroup);
//   - kubernetes: every Create, Update, Delete and Read of a provider whose cluster's API
//     server is in a region that is down.
//
// Check and Diff still answer: the real providers compute them locally, without calling Azure.
type Outages struct {
	mu   sync.Mutex
	down map[string]bool
}

// NewOutages returns an empty set: every region is up.
func NewOutages() *Outages { return &Outages{down: map[string]bool{}} }

// Set marks a region (e.g. "eastus2") down or up again.
func (o *Outages) Set(region string, down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if down {
		o.down[normalize(region)] = true
	} else {
		delete(o.down, normalize(region))
	}
}

// Down returns the regions that are down, sorted.
func (o *Outages) Down() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Sorted(maps.Keys(o.down))
}

// check returns the error Azure answers when one of the regions is down, or nil.
func (o *Outages) check(what string, regions ...string) error {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range regions {
		if r != "" && o.down[normalize(r)] {
			return RegionUnavailable(what, r)
		}
	}
	return nil
}

// RegionUnavailable is the error the simulators return for a call into a region that is down:
// HTTP 503 ServiceUnavailable, as ARM answers when it cannot reach a region.
func RegionUnavailable(what, region string) error {
	return status.Errorf(codes.Unavailable,
		"%s: StatusCode=503 Code=\"ServiceUnavailable\" Message=\"The region '%s' is currently unavailable; Azure Resource Manager cannot reach it (simulated regional outage)\"",
		what, region)
}

func normalize(region string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(region), " ", ""))
}

// locations remembers where the azure-native resources the engine has shown this process are,
// so that calls which name a resource only by group and name (invokes, deletes) can be placed.
type locations struct {
	groups   map[string]string      // resource group name (lower case) -> region
	clusters map[string]clusterInfo // "<group>/<cluster>" (lower case) -> what its kubeconfig needs
}

type clusterInfo struct{ dnsPrefix, location string }

func newLocations() *locations {
	return &locations{groups: map[string]string{}, clusters: map[string]clusterInfo{}}
}

var groupInID = regexp.MustCompile(`(?i)/resourceGroups/([^/]+)`)

// observe records what a resource's inputs say about where things are.
func (l *locations) observe(c call, in resource.PropertyMap) {
	loc, _ := str(in, "location")
	switch string(c.typ.Module().Name()) + ":" + string(c.typ.Name()) {
	case "resources:ResourceGroup":
		if rg, ok := str(in, "resourceGroupName"); ok && loc != "" {
			l.groups[strings.ToLower(rg)] = normalize(loc)
		}
	case "containerservice:ManagedCluster":
		rg, _ := str(in, "resourceGroupName")
		name, _ := str(in, "resourceName")
		prefix, ok := str(in, "dnsPrefix")
		if !ok {
			prefix = name
		}
		l.clusters[strings.ToLower(rg+"/"+name)] = clusterInfo{dnsPrefix: prefix, location: normalize(loc)}
	}
}

// regionsOf returns the regions a resource with these inputs (or state) lives in: its own
// location, unless global, and the location of its resource group or of the group in the ID of
// the resource it extends (scope, resourceUri).
func (l *locations) regionsOf(in resource.PropertyMap) []string {
	var out []string
	if loc, ok := str(in, "location"); ok && !strings.EqualFold(loc, "global") {
		out = append(out, normalize(loc))
	}
	if rg, ok := str(in, "resourceGroupName"); ok {
		out = append(out, l.groups[strings.ToLower(rg)])
	}
	for _, key := range []string{"scope", "resourceUri"} {
		if id, ok := str(in, key); ok {
			if m := groupInID.FindStringSubmatch(id); m != nil {
				out = append(out, l.groups[strings.ToLower(m[1])])
			}
		}
	}
	return out
}

var apiServerRegion = regexp.MustCompile(`\.hcp\.([a-z0-9]+)\.azmk8s\.io$`)

// clusterRegion is the region in an AKS API server URL (https://<x>.hcp.<region>.azmk8s.io).
func clusterRegion(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return ""
	}
	if m := apiServerRegion.FindStringSubmatch(u.Hostname()); m != nil {
		return m[1]
	}
	return ""
}

// kubeconfigServer finds the first cluster's server in a kubeconfig's text.
func kubeconfigServer(kubeconfig string) string {
	for _, line := range strings.Split(kubeconfig, "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "server:"); ok {
			return strings.Trim(strings.TrimSpace(s), `"'`)
		}
	}
	return ""
}

// apiServerHost is the API server host name a simulated cluster reports as its fqdn output and
// serves its kubeconfig from.
func apiServerHost(dnsPrefix, clusterID, location string) string {
	return fmt.Sprintf("%s-%08x.hcp.%s.azmk8s.io", dnsPrefix, uint32(seed(clusterID)), location)
}

// Normalize turns "East US 2" into the ARM region name "eastus2".
func Normalize(region string) string { return normalize(region) }
