package stacks

import (
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RegionCheckTimeout bounds the first Azure call a stack makes to its own region. A region that
// is down answers with an error or not at all; the provider's retries would otherwise keep a run
// waiting for minutes before it fails somewhere in the middle.
var RegionCheckTimeout = 30 * time.Second

// regionDownMarkers are what Azure answers for a region it cannot reach: the service is
// unavailable, or a gateway gave up on it.
var regionDownMarkers = []string{"ServiceUnavailable", "GatewayTimeout", "StatusCode=503", "StatusCode=504", "RegionUnavailable"}

// checkRegion reads the stack's resource group in its region before anything is registered. A
// missing group is fine (a first deployment); a region that does not answer stops the run at
// once with what still works and what to do. Other errors (credentials, permissions) are
// returned as they are.
func checkRegion(ctx *pulumi.Context, role Role, region, resourceGroup string) error {
	done := make(chan error, 1)
	go func() {
		_, err := resources.LookupResourceGroup(ctx, &resources.LookupResourceGroupArgs{ResourceGroupName: resourceGroup})
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(RegionCheckTimeout):
		err = fmt.Errorf("GatewayTimeout: no answer within %s", RegionCheckTimeout)
	}
	switch {
	case err == nil, isNotFound(err):
		return nil
	case !isRegionDown(err):
		return fmt.Errorf("reading resource group %s in %s: %w", resourceGroup, region, err)
	case role == RoleGlobal:
		return fmt.Errorf("the global layer's region %s is unavailable (reading resource group %s: %v).\n"+
			"What still works: Front Door keeps serving and still fails over on its own when an origin's health probes fail; "+
			"the stamps keep running and pulling images from their registry replicas.\n"+
			"What does not: no change to Front Door, the registry or the shared workspace can be applied, a planned failover included, "+
			"until %s answers again (README, \"When the global region is down\")", region, resourceGroup, err, region)
	default:
		return fmt.Errorf("this stamp's region %s is unavailable (reading resource group %s: %v).\n"+
			"This stack cannot be updated until %s answers again. A failover does not need it: set the priorities in the global stack "+
			"and run `pulumi up -s global` (README, \"Failover and failback\")", region, resourceGroup, err, region)
	}
}

func isNotFound(err error) bool {
	s := err.Error()
	return strings.Contains(s, "ResourceGroupNotFound") || strings.Contains(s, "could not be found")
}

func isRegionDown(err error) bool {
	s := err.Error()
	for _, m := range regionDownMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
