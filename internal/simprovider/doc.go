// Package simprovider runs simulated azure-native and kubernetes resource providers in-process,
// so the real Pulumi engine can preview and deploy the aks-dr stacks with no Azure account.
//
// Each simulator is a gRPC server implementing pulumirpc.ResourceProviderServer on
// 127.0.0.1:<random port>. The engine attaches to it instead of launching a plugin binary when
// PULUMI_DEBUG_PROVIDERS names the port (see DebugProvidersEnv). Nothing leaves the machine:
//
//   - Check echoes the inputs, filling in a stable name where the program leaves autonaming to
//     the provider (the real providers add a random suffix; the simulator must stay repeatable).
//   - Diff compares old and new inputs key by key. A change of location, resourceGroupName or a
//     path segment of the Azure resource ID (the resource's own name or a parent's) is a
//     replacement, anything else an update, and equal inputs are no change at all.
//   - Create returns the inputs as outputs, plus id and name and the per-type outputs Azure would
//     compute (an IP address, an FQDN, a principal ID). During preview those computed outputs
//     are unknown, exactly as with the real provider; during up they are fake but stable values
//     derived from the resource's inputs, so a second up with no change is a no-op.
//   - Update does the same but keeps computed outputs from the old state, as Azure does.
//   - Read echoes the state it is given; Delete succeeds.
//   - Invoke answers the functions the program calls (getClientConfig, the AKS user
//     credentials) and fails loudly on any other token, naming it, so a new invoke in the
//     program shows up as a clear error rather than as a silently wrong value.
//
// The behaviour common to both providers lives in provider.go and props.go; azure.go and
// kubernetes.go hold the per-provider tables.
package simprovider
