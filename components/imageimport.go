package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/aks-dr/aks-dr/components/naming"
)

// SplitImage splits an image reference pinned by digest, such as
// "docker.io/org/app:1.0@sha256:<hex>", into its repository without registry host ("org/app")
// and its digest ("sha256:<hex>"). It fails without a digest: a tag can move, and then the two
// regions (or a pod rescheduled after a failover) would run different code.
func SplitImage(ref string) (repository, digest string, err error) {
	name, digest, ok := strings.Cut(ref, "@")
	if !ok || !strings.HasPrefix(digest, "sha256:") {
		return "", "", fmt.Errorf("image %q is not pinned by digest (…@sha256:<digest>)", ref)
	}
	host, path, ok := strings.Cut(name, "/")
	if !ok || !strings.ContainsAny(host, ".:") {
		return "", "", fmt.Errorf("image %q does not name its registry host (e.g. docker.io/%s)", ref, name)
	}
	// A tag after the last path segment, not a registry port.
	if i := strings.LastIndex(path, ":"); i > strings.LastIndex(path, "/") {
		path = path[:i]
	}
	return path, digest, nil
}

// RegistryImage is where pods pull a source image from: the same repository and digest in the
// project's registry, so that each region pulls from its own replica and keeps pulling when the
// source registry, or the registry's home region, is unreachable.
func RegistryImage(loginServer, source string) (string, error) {
	repo, digest, err := SplitImage(source)
	if err != nil {
		return "", err
	}
	return strings.ToLower(loginServer) + "/" + repo + "@" + digest, nil
}

// importTag is the tag an imported image gets: an untagged manifest could be purged by a
// retention policy. It names the digest, so it never moves.
func importTag(source string) (string, error) {
	repo, digest, err := SplitImage(source)
	if err != nil {
		return "", err
	}
	return repo + ":" + strings.Replace(digest, ":", "-", 1), nil
}

// roleContributor is the built-in Contributor role: `az acr import` needs
// Microsoft.ContainerRegistry/registries/importImage/action, which AcrPush does not grant.
const roleContributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"

// importScript imports each "source|repository:tag" pair, skipping images already in this
// registry, and retries while the identity's new role assignment propagates.
const importScript = `set -euo pipefail
for pair in $IMAGES; do
  source="${pair%%|*}" target="${pair#*|}"
  case "$source" in "$LOGIN_SERVER"/*) echo "already in the registry: $source"; continue ;; esac
  for attempt in 1 2 3 4 5 6; do
    if az acr import --name "$REGISTRY" --source "$source" --image "$target" --force; then break; fi
    if [ "$attempt" = 6 ]; then exit 1; fi
    sleep 30
  done
  echo "imported $source as $target"
done
`

// importImages runs az acr import for args.ImportImages in an Azure deployment script
// (https://learn.microsoft.com/azure/azure-resource-manager/templates/deployment-script-template),
// as a user-assigned identity that may import into this registry only. The script runs again
// only when the list of images changes. Deployment scripts need the Microsoft.ContainerInstance
// and Microsoft.Storage resource providers, and create a storage account with shared-key
// access for the script's duration.
func importImages(ctx *pulumi.Context, name string, args *GeoRegistryArgs, c *GeoRegistry, parent pulumi.ResourceOption) (*resources.AzureCliScript, error) {
	var pairs []string
	for _, img := range args.ImportImages {
		tag, err := importTag(img)
		if err != nil {
			return nil, fmt.Errorf("GeoRegistry: ImportImages: %w", err)
		}
		pairs = append(pairs, img+"|"+tag)
	}
	tags := pulumi.ToStringMap(args.Tags)
	id, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-import-id", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		ResourceName:      pulumi.String(args.Names.Of(naming.ManagedIdentity, "acrimport")),
		Tags:              tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	role, err := authorization.NewRoleAssignment(ctx, name+"-import-role", &authorization.RoleAssignmentArgs{
		PrincipalId:      id.PrincipalId,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: pulumi.String(roleDefinitionID(args.SubscriptionID, roleContributor)),
		Scope:            c.Registry.ID(),
	}, parent)
	if err != nil {
		return nil, err
	}
	return resources.NewAzureCliScript(ctx, name+"-import", &resources.AzureCliScriptArgs{
		Kind:              pulumi.String("AzureCLI"),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		ScriptName:        pulumi.String(args.Names.Of(naming.DeploymentScript, "acrimport")),
		AzCliVersion:      pulumi.String("2.67.0"),
		Identity: &resources.ManagedServiceIdentityArgs{
			Type:                   pulumi.String("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{id.ID()},
		},
		EnvironmentVariables: resources.EnvironmentVariableArray{
			resources.EnvironmentVariableArgs{Name: pulumi.String("REGISTRY"), Value: c.Registry.Name},
			resources.EnvironmentVariableArgs{Name: pulumi.String("LOGIN_SERVER"), Value: c.Registry.LoginServer},
			resources.EnvironmentVariableArgs{Name: pulumi.String("IMAGES"), Value: pulumi.String(strings.Join(pairs, " "))},
		},
		ScriptContent:     pulumi.String(importScript),
		Timeout:           pulumi.String("PT30M"),
		RetentionInterval: pulumi.String("PT1H"),
		CleanupPreference: pulumi.String("OnSuccess"),
		Tags:              tags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{role}))
}
