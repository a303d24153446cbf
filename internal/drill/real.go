package drill

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RealReason says why the environment selects the real path, or "" when it does not: a
// backend (PULUMI_BACKEND_URL or PULUMI_ACCESS_TOKEN) and an Azure subscription
// (ARM_SUBSCRIPTION_ID, with credentials the azure-native provider finds: a service principal,
// OIDC, a managed identity or an `az login` session).
func RealReason() string {
	var backend string
	switch {
	case os.Getenv("PULUMI_BACKEND_URL") != "":
		backend = "PULUMI_BACKEND_URL"
	case os.Getenv("PULUMI_ACCESS_TOKEN") != "":
		backend = "PULUMI_ACCESS_TOKEN"
	default:
		return ""
	}
	if os.Getenv("ARM_SUBSCRIPTION_ID") == "" {
		return ""
	}
	return backend + " and ARM_SUBSCRIPTION_ID are set"
}

// RealStack selects an existing stack of the real backend, using the committed project and stack
// files in the repository and the environment's credentials. The provider plugins are the real
// ones (installed on demand by the CLI).
func RealStack(ctx context.Context, root, name string, cli auto.PulumiCommand, program pulumi.RunFunc) (auto.Stack, error) {
	s, err := auto.SelectStackInlineSource(ctx, name, Project, program, auto.WorkDir(root), auto.Pulumi(cli))
	if err != nil {
		return s, fmt.Errorf("selecting stack %q on the configured backend (log in, and create the stack once with `pulumi stack init %s` if it does not exist): %w", name, name, err)
	}
	return s, nil
}
