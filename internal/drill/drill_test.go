package drill

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

func TestLocalStackFileDropsRealSecretsSettingsAndKeepsTheLocalSalt(t *testing.T) {
	committed := "secretsprovider: azurekeyvault://kv/keys/k\nencryptedkey: abc\nconfig:\n  aks-dr:role: primary\n  aks-dr:frontDoorPriority: \"1\"\n"
	previous := "config:\n  aks-dr:role: primary\n  aks-dr:frontDoorPriority: \"2\"\nencryptionsalt: v1:LOCAL:salt\n"
	got := string(localStackFile([]byte(committed), []byte(previous)))
	want := "config:\n  aks-dr:role: primary\n  aks-dr:frontDoorPriority: \"1\"\nencryptionsalt: v1:LOCAL:salt\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := string(localStackFile([]byte("config: {}"), nil)); got != "config: {}" {
		t.Fatalf("first copy = %q", got)
	}
}

func TestPrepareCopiesTheProjectAndFindRootFindsTheRepository(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"go.mod": "module x\n", "tools/go.mod": "module x/tools\n\nrequire github.com/pulumi/pulumi/pkg/v3 v3.274.1\n",
		"Pulumi.yaml": "name: aks-dr\n", "Pulumi.global.yaml": "config: {}\n", "Pulumi.primary.yaml": "config: {}\n", "Pulumi.secondary.yaml": "config: {}\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(root, "tests", "engine")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := FindRoot(sub); err != nil || got != root {
		t.Fatalf("FindRoot = %q, %v", got, err)
	}
	if v, err := PinnedVersion(root); err != nil || v != "v3.274.1" {
		t.Fatalf("PinnedVersion = %q, %v", v, err)
	}
	l := NewLocal(root, filepath.Join(root, LocalDir), nil, nil, "azure-native:1")
	if err := l.Prepare(); err != nil {
		t.Fatal(err)
	}
	for _, name := range projectFiles {
		if _, err := os.Stat(filepath.Join(l.WorkDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	env := l.Env()
	if !strings.HasPrefix(env["PULUMI_BACKEND_URL"], "file://"+root) || env["PULUMI_CONFIG_PASSPHRASE"] != LocalPassphrase ||
		env["PULUMI_DEBUG_PROVIDERS"] != "azure-native:1" {
		t.Fatalf("env = %v", env)
	}
}

func TestChangedIgnoresSameAndReads(t *testing.T) {
	steps := []Step{
		{Op: apitype.OpSame, URN: "a"}, {Op: apitype.OpRead, URN: "b"},
		{Op: apitype.OpUpdate, URN: "d"}, {Op: apitype.OpCreate, URN: "c"},
	}
	got := Changed(steps)
	if len(got) != 2 || got[0].URN != "c" || got[1].URN != "d" {
		t.Fatalf("Changed = %+v", got)
	}
}

func TestRealReasonNeedsABackendAndASubscription(t *testing.T) {
	for _, c := range []struct {
		backend, token, sub string
		real                bool
	}{
		{"", "", "", false},
		{"file:///tmp/x", "", "", false},
		{"", "", "0000", false},
		{"s3://bucket", "", "0000", true},
		{"", "pul-123", "0000", true},
	} {
		t.Setenv("PULUMI_BACKEND_URL", c.backend)
		t.Setenv("PULUMI_ACCESS_TOKEN", c.token)
		t.Setenv("ARM_SUBSCRIPTION_ID", c.sub)
		if got := RealReason() != ""; got != c.real {
			t.Errorf("backend %q token %q subscription %q: real = %v, want %v", c.backend, c.token, c.sub, got, c.real)
		}
	}
}
