// Package components holds the Pulumi component resources of aks-dr.
//
// The regional half (one per stack): RegionalStamp composes HubSpoke (hub VNet with Azure
// Firewall, spoke VNet with the AKS, Application Gateway and private-endpoint subnets, peering,
// egress routing), the AKS cluster, the Application Gateway WAF_v2 that fronts it, a Key Vault
// reached over a private endpoint, regional Log Analytics and the diagnostic settings; Workload
// deploys the application through any Kubernetes provider.
//
// The global half (deployed once, by the primary stack): SharedServices (resource group, shared
// Log Analytics, base firewall policy), GeoRegistry (Premium ACR with replicas) and
// GlobalFrontDoor (profile, endpoint, WAF, origin group). Each stack adds its own stamp to Front
// Door with FrontDoorOrigin; the primary then adds FrontDoorRoute. The route is separate from
// GlobalFrontDoor because it must wait for an origin (Azure rejects a route whose origin group is
// empty), the origin needs the stamp's public host name, and the stamp needs the Front Door ID
// for its X-Azure-FDID check: putting the route in GlobalFrontDoor would make a cycle.
//
// Every component validates its args, parents its children, prefixes their Pulumi names with its
// own, derives Azure names with package naming, and registers the outputs other layers read.
package components
