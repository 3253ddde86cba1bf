// helm-render renders a Helm chart the way `helm template` does, with Go's text/template and
// the sprig functions (as Helm itself), for tests on machines where no helm binary can be
// installed. It implements the part of Helm the charts here use: values.yaml merged with -f
// files (and a parent's values into its subcharts under charts/), the built-in objects
// (.Values .Release .Chart .Capabilities .Template .Files), Helm's extra functions (include,
// tpl, required, toYaml, fromYaml, toJson, fromJson, lookup) and its rendering rules
// (missingkey=zero, "<no value>" removed, partials starting with "_" not rendered, one
// template namespace for a chart and its subcharts), and, as Helm does before rendering, each
// chart's values checked against its values.schema.json (gojsonschema, the validator of Helm
// 3 up to 3.17).
//
// Output, on stdout, as JSON: {"objects": [{"template": "...", "object": {...}}], "notes": "..."};
// with -values, the chart's values after merging instead (what templates see as .Values).
// Every rendered YAML document is parsed (sigs.k8s.io/yaml, as Helm), so malformed YAML fails.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig/v3"
	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

type chart struct {
	name      string
	dir       string
	meta      map[string]interface{}
	values    map[string]interface{}
	templates map[string]string // full template name -> text
	subcharts []*chart
}

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	var files valueFiles
	dir := flag.String("chart", "", "chart directory")
	release := flag.String("name", "release", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	printValues := flag.Bool("values", false, "print the merged values instead of rendering")
	flag.Var(&files, "f", "values file (repeatable; later ones win)")
	flag.Parse()
	out, err := render(*dir, *release, *namespace, files, *printValues)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helm-render:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

func render(dir, release, namespace string, files []string, printValues bool) ([]byte, error) {
	root, err := loadChart(dir)
	if err != nil {
		return nil, err
	}
	values := root.values
	for _, f := range files {
		extra, err := readYAMLMap(f)
		if err != nil {
			return nil, err
		}
		values = mergeValues(values, extra)
	}
	if printValues {
		return json.MarshalIndent(values, "", "  ")
	}
	tpl := template.New("gotpl").Option("missingkey=zero")
	funcs := funcMap(tpl)
	tpl.Funcs(funcs)
	contexts := map[string]map[string]interface{}{}
	var schemaErrors []string
	if err := prepare(tpl, root, values, release, namespace, contexts, &schemaErrors); err != nil {
		return nil, err
	}
	if len(schemaErrors) > 0 {
		return nil, fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s", strings.Join(schemaErrors, "\n"))
	}
	names := make([]string, 0, len(contexts))
	for name := range contexts {
		names = append(names, name)
	}
	sort.Strings(names)
	type object struct {
		Template string                 `json:"template"`
		Object   map[string]interface{} `json:"object"`
	}
	result := struct {
		Objects []object `json:"objects"`
		Notes   string   `json:"notes"`
	}{Objects: []object{}}
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, name, contexts[name]); err != nil {
			return nil, err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			if !strings.Contains(name, "/charts/") {
				result.Notes = text
			}
			continue
		}
		for _, doc := range splitDocuments(text) {
			var obj map[string]interface{}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				return nil, fmt.Errorf("%s: invalid YAML: %v\n%s", name, err, doc)
			}
			if obj == nil {
				continue
			}
			result.Objects = append(result.Objects, object{Template: name, Object: obj})
		}
	}
	return json.MarshalIndent(result, "", "  ")
}

// prepare parses a chart's templates (and its subcharts') into tpl and records the root
// context each file renders with.
func prepare(tpl *template.Template, c *chart, values map[string]interface{}, release, namespace string, contexts map[string]map[string]interface{}, schemaErrors *[]string) error {
	for _, sub := range c.subcharts {
		subValues := sub.values
		if v, ok := values[sub.name].(map[string]interface{}); ok {
			subValues = mergeValues(subValues, v)
		}
		// As Helm coalesces: the parent sees the subchart's defaults under its name too.
		values[sub.name] = subValues
		if err := prepare(tpl, sub, subValues, release, namespace, contexts, schemaErrors); err != nil {
			return err
		}
	}
	if err := validateValues(c, values, schemaErrors); err != nil {
		return err
	}
	chartObj := map[string]interface{}{}
	for k, v := range c.meta {
		chartObj[strings.ToUpper(k[:1])+k[1:]] = v
	}
	files := filesObject(c.dir)
	prefix := chartPath(c)
	for name, text := range c.templates {
		if _, err := tpl.New(name).Parse(text); err != nil {
			return err
		}
		contexts[name] = map[string]interface{}{
			"Values":       values,
			"Chart":        chartObj,
			"Release":      map[string]interface{}{"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
			"Capabilities": map[string]interface{}{"KubeVersion": map[string]interface{}{"Version": "v1.29.0", "Major": "1", "Minor": "29"}, "APIVersions": apiVersions{}},
			"Template":     map[string]interface{}{"Name": name, "BasePath": prefix + "/templates"},
			"Files":        files,
		}
	}
	return nil
}

// validateValues checks a chart's final values against its values.schema.json, if it has one,
// and adds one "chart:\n- field: problem" entry per failing chart, as Helm reports them.
func validateValues(c *chart, values map[string]interface{}, schemaErrors *[]string) error {
	schema, err := os.ReadFile(filepath.Join(c.dir, "values.schema.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	doc, err := json.Marshal(values)
	if err != nil {
		return err
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return fmt.Errorf("%s/values.schema.json: %v", c.name, err)
	}
	if result.Valid() {
		return nil
	}
	lines := []string{c.name + ":"}
	for _, e := range result.Errors() {
		lines = append(lines, fmt.Sprintf("- %s: %s", e.Field(), e.Description()))
	}
	sort.Strings(lines[1:])
	*schemaErrors = append(*schemaErrors, strings.Join(lines, "\n"))
	return nil
}

// apiVersions answers .Capabilities.APIVersions.Has like a cluster with the common APIs.
type apiVersions struct{}

func (apiVersions) Has(v string) bool {
	return !strings.Contains(v, "v1beta1") && !strings.Contains(v, "v2beta")
}

// files is .Files: Get reads a file of the chart.
type files struct{ dir string }

func filesObject(dir string) files { return files{dir} }

func (f files) Get(name string) string {
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		return ""
	}
	return string(b)
}

var chartParents = map[*chart]string{}

func chartPath(c *chart) string {
	if p, ok := chartParents[c]; ok {
		return p
	}
	return c.name
}

func loadChart(dir string) (*chart, error) { return loadChartAt(dir, "") }

func loadChartAt(dir, parentPath string) (*chart, error) {
	meta, err := readYAMLMap(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	name, _ := meta["name"].(string)
	if name == "" {
		return nil, fmt.Errorf("%s: Chart.yaml has no name", dir)
	}
	values := map[string]interface{}{}
	if _, err := os.Stat(filepath.Join(dir, "values.yaml")); err == nil {
		if values, err = readYAMLMap(filepath.Join(dir, "values.yaml")); err != nil {
			return nil, err
		}
	}
	c := &chart{name: name, dir: dir, meta: meta, values: values, templates: map[string]string{}}
	path := name
	if parentPath != "" {
		path = parentPath + "/charts/" + name
	}
	chartParents[c] = path
	entries, err := os.ReadDir(filepath.Join(dir, "templates"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "templates", e.Name()))
		if err != nil {
			return nil, err
		}
		c.templates[path+"/templates/"+e.Name()] = string(b)
	}
	subs, _ := os.ReadDir(filepath.Join(dir, "charts"))
	for _, s := range subs {
		if !s.IsDir() {
			continue
		}
		sub, err := loadChartAt(filepath.Join(dir, "charts", s.Name()), path)
		if err != nil {
			return nil, err
		}
		c.subcharts = append(c.subcharts, sub)
	}
	return c, nil
}

func readYAMLMap(path string) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return m, nil
}

// mergeValues returns base overlaid with over, maps merged key by key (as Helm's coalescing;
// a null in over deletes the key).
func mergeValues(base, over map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if v == nil {
			delete(out, k)
			continue
		}
		bm, bok := out[k].(map[string]interface{})
		om, ook := v.(map[string]interface{})
		if bok && ook {
			out[k] = mergeValues(bm, om)
		} else {
			out[k] = v
		}
	}
	return out
}

func splitDocuments(text string) []string {
	var docs []string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimRight(line, " ") == "---" {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	docs = append(docs, strings.Join(cur, "\n"))
	var out []string
	for _, d := range docs {
		if strings.TrimSpace(stripComments(d)) != "" {
			out = append(out, d)
		}
	}
	return out
}

func stripComments(doc string) string {
	var keep []string
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// funcMap is sprig's, minus what Helm removes (env access), plus Helm's own functions.
func funcMap(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	includeDepth := 0
	f["include"] = func(name string, data interface{}) (string, error) {
		includeDepth++
		defer func() { includeDepth-- }()
		if includeDepth > 1000 {
			return "", fmt.Errorf("include %q: recursion too deep", name)
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		parsed, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := parsed.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	f["toYaml"] = func(v interface{}) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["toJson"] = func(v interface{}) string {
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}
