package stacks

// Stack output names. The primary exports the global ones for the secondary's StackReference;
// both export the per-region ones a person needs during an incident.
const (
	OutLocation                 = "location"
	OutHubAddressSpace          = "hubAddressSpace"
	OutSpokeAddressSpace        = "spokeAddressSpace"
	OutFrontDoorPriority        = "frontDoorPriority"
	OutFrontDoorWeight          = "frontDoorWeight"
	OutFrontDoorEndpoint        = "frontDoorEndpointHostName"
	OutDetectionSeconds         = "frontDoorFailoverDetectionSeconds"
	OutOriginURN                = "frontDoorOriginUrn"
	OutOriginHostName           = "originHostName"
	OutClusterName              = "clusterName"
	OutClusterID                = "clusterId"
	OutKeyVaultURI              = "keyVaultUri"
	OutResourceGroupName        = "resourceGroupName"
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
	OutGlobalLocation           = "globalLocation"
	OutFrontDoorOriginName      = "frontDoorOriginName"
	// OutRegistryImages are the images the primary imports into the registry: the secondary's
	// workloadImage must be one of them, or its pods could not pull.
	OutRegistryImages = "registryImages"
)

// GlobalOutputs are the outputs the secondary reads from the primary's stack.
func GlobalOutputs() []string { return append([]string(nil), globalOutputs...) }

// globalOutputs are what the secondary needs from the primary, in the order it checks them.
var globalOutputs = []string{
	OutLocation, OutHubAddressSpace, OutSpokeAddressSpace, OutGlobalResourceGroupName, OutFrontDoorProfileName,
	OutFrontDoorOriginGroupName, OutFrontDoorEndpoint, OutFrontDoorID, OutSharedWorkspaceID, OutRegistryID,
	OutRegistryLocations, OutBaseFirewallPolicyID, OutDetectionSeconds, OutGlobalLocation,
	OutRegistryLoginServer, OutRegistryImages,
}
