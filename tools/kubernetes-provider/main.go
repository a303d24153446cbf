// Command pulumi-resource-kubernetes is the real Pulumi Kubernetes provider, built from the Go
// module proxy for the engine tests and `go run ./cmd/drill -kubernetes real`
// (internal/kubelocal builds it into bin/ and starts one process per engine operation).
//
// The provider's own cmd/pulumi-resource-kubernetes does not build from the module: it embeds a
// schema-embed.json generated in its repository. The schema is only served by GetSchema and used
// by Read when a resource is read from the cluster (`.get`, import); preview, create, update and
// delete do not need it, so this main passes a minimal schema document instead.
//
// Build (from this directory; internal/kubelocal does this on first use):
//
//	go build -ldflags "-X main.version=4.32.0" -o ../../bin/pulumi-resource-kubernetes .
package main

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
)

// version is the provider version reported to the engine; the linker stamps the version of the
// kubernetes SDK the program uses, so the engine sees the plugin version the program asks for.
var version = "4.32.0"

func main() {
	schema := fmt.Appendf(nil, `{"name":"kubernetes","version":%q}`, version)
	provider.Serve("kubernetes", version, schema, []byte("{}"))
}
