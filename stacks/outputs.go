package stacks

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

// StampOutputs are a stamp's outputs the global stack (and the sibling stamps) read.
func StampOutputs() []string { return append([]string(nil), stampOutputs...) }

var stampOutputs = []string{OutLocation, OutOriginHostName, OutHubAddressSpace, OutSpokeAddressSpace}

// StampMonitoringOutputs are a stamp's outputs the global stack reads when present: a stamp
// deployed by an earlier version lacks them, and still gets its origin (issue 9).
func StampMonitoringOutputs() []string { return append([]string(nil), stampMonitoringOutputs...) }

var stampMonitoringOutputs = []string{OutAppGatewayID}
