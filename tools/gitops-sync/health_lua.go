package main

// Resource health customizations in Lua, run the way Argo CD's application controller runs
// `resource.customizations.health.<group>_<Kind>` from argocd-cm (argo-cd v3.6.1
// util/lua/lua.go, VM.runLua and VM.ExecuteHealthLua): the same interpreter (gopher-lua) and
// JSON bridge (layeh.com/gopher-json), the package, base and table libraries (all of Lua's
// standard libraries with useOpenLibs), the live object
// as the global `obj`, a one-second budget, and the returned table read as a HealthStatus.
// Argo CD's own package cannot be built here (its module needs k8s.io/kubernetes' staging
// replacements), so these lines follow it instead; nothing else of the health path is ours:
// a script that returns nothing falls through to gitops-engine's built-in check.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/health"
	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	luajson "layeh.com/gopher-json"
)

// luaScript is one customization: argocd-cm's resource.customizations.health.<key> and
// resource.customizations.useOpenLibs.<key>.
type luaScript struct {
	Script      string `json:"script"`
	UseOpenLibs bool   `json:"useOpenLibs"`
}

// luaHealth holds scripts by Argo CD's key: "<group>_<Kind>" ("<Kind>" for the core group).
type luaHealth map[string]luaScript

func readLuaHealth(file string) (luaHealth, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	scripts := luaHealth{}
	if err := json.Unmarshal(data, &scripts); err != nil {
		return nil, fmt.Errorf("%s: %v (want a JSON object of \"<group>_<Kind>\": {\"script\": \"<lua>\", \"useOpenLibs\": false})", file, err)
	}
	return scripts, nil
}

// GetResourceHealth implements health.HealthOverride.
func (scripts luaHealth) GetResourceHealth(obj *unstructured.Unstructured) (*health.HealthStatus, error) {
	gvk := obj.GroupVersionKind()
	key := gvk.Kind
	if gvk.Group != "" {
		key = gvk.Group + "_" + gvk.Kind
	}
	custom, ok := scripts[key]
	if !ok {
		return nil, nil
	}
	script := custom.Script
	l := lua.NewState(lua.Options{SkipOpenLibs: !custom.UseOpenLibs})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj.Object))
	if err := l.DoString(script); err != nil {
		return nil, fmt.Errorf("health script %s: %v", key, err)
	}
	ret := l.Get(-1)
	switch ret.Type() {
	case lua.LTNil:
		return nil, nil
	case lua.LTTable:
		data, err := luajson.Encode(ret)
		if err != nil {
			return nil, err
		}
		hs := &health.HealthStatus{}
		if err := json.Unmarshal(data, hs); err != nil {
			return nil, err
		}
		switch hs.Status {
		case health.HealthStatusHealthy, health.HealthStatusProgressing, health.HealthStatusDegraded,
			health.HealthStatusSuspended, health.HealthStatusMissing, health.HealthStatusUnknown:
			return hs, nil
		}
		return &health.HealthStatus{Status: health.HealthStatusUnknown, Message: "Lua returned an invalid health status"}, nil
	}
	return nil, fmt.Errorf("health script %s returned %s, not a table", key, strings.ToLower(ret.Type().String()))
}

// toLua converts an unstructured value as Argo CD's decodeValue does.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case json.Number:
		return lua.LString(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(toLua(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for k, item := range v {
			tbl.RawSetH(lua.LString(k), toLua(l, item))
		}
		return tbl
	}
	return lua.LNil
}
