package stacks

import "slices"

// Stack output names. The global stack exports what the stamps read (and the origins' state);
// each stamp exports what the global stack reads (its origin host name, region and address
// plan) and what a person needs during an incident.
const (
	// Both roles.
	OutLocation          = "location"
	OutFrontDoorEndpoint = "frontDoorEndpointHostName"
	OutDetectionSeconds  = "frontDoorFailoverDetectionSeconds"

	// Stamp.
	OutHubAddressSpace   = "hubAddressSpace"
	OutSpokeAddressSpace = "spokeAddressSpace"
	OutOriginHostName    = "originHostName"
	OutClusterName       = "clusterName"
	OutClusterID         = "clusterId"
	OutKeyVaultURI       = "keyVaultUri"
	OutResourceGroupName = "resourceGroupName"
	// OutAppGatewayID is the stamp's Application Gateway: the global layer's per-region
	// unhealthy-backend alert watches it (issue 9). Optional for the global stack, so a stamp
	// deployed before it existed still gets its origin.
	OutAppGatewayID = "appGatewayId"
	// OutChaosExperimentID is the stamp's Chaos Studio failover drill (issue 9).
	OutChaosExperimentID = "chaosExperimentId"

	// Stamp, standby (issue 12). servingCapacity is true when the stamp runs at the serving
	// floors (hot profile, or its origin has priority 1); capacity holds the floors it applied,
	// its ceilings and the estimated time to absorb the active load. kubernetesVersion and
	// workloadImage let the sibling stamps refuse a skew between the regions.
	OutServingCapacity   = "servingCapacity"
	OutStandbyProfile    = "standbyProfile"
	OutCapacity          = "capacity"
	OutKubernetesVersion = "kubernetesVersion"
	OutWorkloadImage     = "workloadImage"

	// Global.
	OutGlobalResourceGroupName  = "globalResourceGroupName"
	OutFrontDoorProfileName     = "frontDoorProfileName"
	OutFrontDoorOriginGroupName = "frontDoorOriginGroupName"
	OutFrontDoorEndpointName    = "frontDoorEndpointName"
	OutFrontDoorID              = "frontDoorId"
	OutSharedWorkspaceID        = "sharedWorkspaceId"
	OutRegistryID               = "registryId"
	OutRegistryLoginServer      = "registryLoginServer"
	OutRegistryLocations        = "registryLocations"
	OutBaseFirewallPolicyID     = "baseFirewallPolicyId"
	// OutStamps maps each stamp's qualified stack name to its declared region.
	OutStamps = "stamps"
	// OutOriginPriorities maps each stamp's stack name (as in the origins map) to the priority
	// its origin has; stamps not deployed yet have no origin and are left out.
	OutOriginPriorities = "originPriorities"
	// OutOriginNames maps each stamp's stack name to its origin's Azure name.
	OutOriginNames = "frontDoorOriginNames"
	// OutRegistryImages are the images the global layer imports into the registry: a stamp's
	// workloadImage must be one of them, or its pods could not pull.
	OutRegistryImages = "registryImages"
	// OutDeclaredPriorities maps every stamp in origins (deployed or not) to the priority the
	// global config gave it at the global stack's last update: a stamp's floors follow it.
	OutDeclaredPriorities = "declaredOriginPriorities"
	// OutActionGroupID is the action group every alert notifies (issue 9).
	OutActionGroupID = "alertActionGroupId"
	// OutAppInsightsID holds the availability tests (issue 9).
	OutAppInsightsID = "appInsightsId"
	// OutWorkbookID is the failover workbook in the shared workspace (issue 9).
	OutWorkbookID = "failoverWorkbookId"
)

// GlobalOutputs are the global stack's outputs a stamp reads, in the order it checks them.
func GlobalOutputs() []string { return append([]string(nil), globalOutputs...) }

var globalOutputs = []string{
	OutLocation, OutGlobalResourceGroupName, OutFrontDoorProfileName, OutFrontDoorEndpoint, OutFrontDoorID,
	OutSharedWorkspaceID, OutRegistryID, OutRegistryLoginServer, OutRegistryLocations, OutBaseFirewallPolicyID,
	OutDetectionSeconds, OutStamps, OutRegistryImages,
}

// optionalGlobalOutputs are read when present: a global stack last updated by an earlier version
// lacks them.
var optionalGlobalOutputs = []string{OutDeclaredPriorities, OutOriginPriorities}

// StampOutputs are a stamp's outputs the global stack (and the sibling stamps) read.
func StampOutputs() []string { return append(slices.Clone(stampOutputs), standbyOutputs...) }

var stampOutputs = []string{OutLocation, OutOriginHostName, OutHubAddressSpace, OutSpokeAddressSpace}

// standbyOutputs are the stamp outputs of this version's standby profiles. A stamp last updated
// by an earlier version lacks them; it ran what is now the hot profile, so it counts as serving,
// and the version and image checks skip it (with a warning) until its next update.
var standbyOutputs = []string{OutServingCapacity, OutStandbyProfile, OutCapacity, OutKubernetesVersion, OutWorkloadImage}

// missingOf are the keys among want that are in missing.
func missingOf(missing, want []string) []string {
	var out []string
	for _, k := range missing {
		if slices.Contains(want, k) {
			out = append(out, k)
		}
	}
	return out
}

// StampMonitoringOutputs are a stamp's outputs the global stack reads when present: a stamp
// deployed by an earlier version lacks them, and still gets its origin (issue 9).
func StampMonitoringOutputs() []string { return append([]string(nil), stampMonitoringOutputs...) }

var stampMonitoringOutputs = []string{OutAppGatewayID}
