package export

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
	"go.yaml.in/yaml/v3"
)

// crdSchemas returns the openAPIV3Schema of each version of the vendored
// SeccompProfile CRD (testdata/spo-seccompprofile-crd.yaml).
func crdSchemas(t *testing.T) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/spo-seccompprofile-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd map[string]any
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	spec := crd["spec"].(map[string]any)
	for _, v := range spec["versions"].([]any) {
		v := v.(map[string]any)
		out[v["name"].(string)] = v["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
	}
	return out
}

// validate checks v against the structural schema s the way the API
// server would accept it, with defaults applied first. Unknown fields are
// errors here (the API server would prune them silently, which for a
// seccomp profile means a weaker profile than written).
func validate(path string, v any, s map[string]any) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, have %T", v)
			return errs
		}
		props, _ := s["properties"].(map[string]any)
		if props == nil {
			return errs // free-form (metadata)
		}
		for k, ps := range props {
			if _, ok := m[k]; !ok {
				if d, ok := ps.(map[string]any)["default"]; ok {
					m[k] = d
				}
			}
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := m[r.(string)]; !ok {
					bad("required field %s is missing", r)
				}
			}
		}
		for k, x := range m {
			ps, ok := props[k]
			if !ok {
				bad("unknown field %s (the API server would drop it)", k)
				continue
			}
			errs = append(errs, validate(path+"."+k, x, ps.(map[string]any))...)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, have %T", v)
			return errs
		}
		if m, ok := s["maxItems"].(int); ok && len(a) > m {
			bad("%d items, at most %d", len(a), m)
		}
		if s["x-kubernetes-list-type"] == "set" {
			seen := map[string]bool{}
			for _, x := range a {
				k := fmt.Sprint(x)
				if seen[k] {
					bad("duplicate %v in a set", x)
				}
				seen[k] = true
			}
		}
		for i, x := range a {
			errs = append(errs, validate(fmt.Sprintf("%s[%d]", path, i), x, s["items"].(map[string]any))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("want a string, have %T", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, have %T", v)
		}
	case "integer":
		var n float64
		switch x := v.(type) {
		case int:
			n = float64(x)
		case uint64:
			n = float64(x) // yaml.v3 decodes integers above MaxInt64 as uint64
		default:
			bad("want an integer, have %T (%v)", v, v)
			return errs
		}
		if min, ok := s["minimum"].(int); ok && n < float64(min) {
			bad("%v is below the minimum %d", v, min)
		}
		switch s["format"] {
		case "int32":
			if n > math.MaxInt32 {
				bad("%v does not fit int32", v)
			}
		case "int64":
			if _, big := v.(uint64); big {
				bad("%v does not fit int64", v)
			}
		}
	}
	return errs
}

// TestSPOSchema validates entitle's SeccompProfile output against the
// Security Profiles Operator's CRD (vendored in testdata), for several
// entitlement sets and architectures, as v1beta1 (what entitle writes) and
// v1 (the storage version).
func TestSPOSchema(t *testing.T) {
	schemas := crdSchemas(t)
	if schemas["v1beta1"] == nil || schemas["v1"] == nil {
		t.Fatalf("CRD versions: %v", schemas)
	}
	for _, names := range sets {
		for _, nnp := range []bool{false, true} {
			lib, err := catalog.Build(catalog.Request{Entitlements: names, Arches: []*syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.AARCH64}})
			if err != nil {
				t.Fatal(err)
			}
			sp, err := SPOWith(lib, "entitle-test", Options{NoNewPrivileges: nnp})
			if err != nil {
				t.Fatal(err)
			}
			data, err := MarshalSPO(sp)
			if err != nil {
				t.Fatal(err)
			}
			for _, version := range []string{"v1beta1", "v1"} {
				var obj map[string]any
				if err := yaml.Unmarshal(data, &obj); err != nil {
					t.Fatal(err)
				}
				if version == "v1" {
					obj["apiVersion"] = "security-profiles-operator.x-k8s.io/v1"
				}
				if errs := validate("", obj, schemas[version]); len(errs) > 0 {
					t.Errorf("%v nnp=%v %s:\n%s", names, nnp, version, strings.Join(errs, "\n"))
				}
			}
		}
	}
}

// TestSPOSchemaRejects: the validator itself catches what the API server
// would refuse or drop.
func TestSPOSchemaRejects(t *testing.T) {
	s := crdSchemas(t)["v1beta1"]
	obj := map[string]any{"apiVersion": SPOAPIVersion, "kind": SPOKind, "metadata": map[string]any{"name": "x"},
		"spec": map[string]any{"defaultAction": "SCMP_ACT_ERRNO", "syscall": []any{},
			"syscalls": []any{map[string]any{"names": []any{"read", "read"}, "action": "SCMP_ACT_ALLOW",
				"args": []any{map[string]any{"index": 0, "op": "SCMP_CMP_EQ", "value": uint64(math.MaxUint64)}}}}}}
	errs := strings.Join(validate("", obj, s), "\n")
	for _, want := range []string{"unknown field syscall", "duplicate read", "does not fit int64"} {
		if !strings.Contains(errs, want) {
			t.Errorf("validator missed %q:\n%s", want, errs)
		}
	}
}

// TestSPOBigValue: a 64-bit value above int64 is refused with a clear
// error rather than written into a profile the API server rejects.
func TestSPOBigValue(t *testing.T) {
	lib, err := catalog.Build(catalog.Request{Arches: []*syscalls.Arch{syscalls.X86_64}})
	if err != nil {
		t.Fatal(err)
	}
	lib.Rules = append(lib.Rules, policy.Rule{Syscall: "personality", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: math.MaxUint64}}})
	if _, err := SPO(lib, "x"); err == nil || !strings.Contains(err.Error(), "int64") {
		t.Fatalf("err = %v", err)
	}
}
