// gitops-sync runs ONE sync of one folder of manifests with Argo CD's own sync engine
// (github.com/argoproj/argo-cd/gitops-engine, the engine inside Argo CD's application
// controller) and prints the outcome as one JSON document on stdout.
//
//	gitops-sync --kubeconfig K --dir DIR --namespace NS [--name APP] [--prune] [--prune-last]
//	            [--timeout 300s] [--wave-delay 2s] [--v 0]
//
// It does what the engine's agent (gitops-engine/agent/main.go) does on each resync, once:
// read the manifests, mark every one with a gc-mark annotation keyed by the application name
// (that is how later syncs know what they manage and may prune), build the cluster cache, and
// let the engine's sync context run until the operation completes. Sync phases, waves, hooks,
// hook delete policies, health assessment and pruning are all the engine's; nothing here
// orders anything.
//
// Two differences from engine.Sync, both to behave like Argo CD's application controller
// rather than like the agent's resync loop: hooks run on every sync (engine.Sync skips them
// when nothing differs), and the operation's phase and message are reported (engine.Sync
// returns only the resource results). Between waves it sleeps --wave-delay, as the controller
// does (ARGOCD_SYNC_WAVE_DELAY, 2 s by default there).
//
// Exit status: 0 when the operation Succeeded, 1 otherwise (failed, error, timeout), 2 on bad
// usage or when the sync could not start.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2/textlogger"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/cache"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/health"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/common"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/syncwaves"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/kube"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/tracing"
)

// The agent's annotation: the engine's caller decides what is managed, and this is how.
const annotationGCMark = "gitops-agent.argoproj.io/gc-mark"

type resourceInfo struct{ gcMark string }

type resourceOut struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	SyncPhase string `json:"syncPhase"`
	HookType  string `json:"hookType"`
	HookPhase string `json:"hookPhase,omitempty"`
	Status    string `json:"status"`
	Message   string `json:"message"`
	Health    string `json:"health,omitempty"`
	HealthMsg string `json:"healthMessage,omitempty"`
	Wave      *int   `json:"wave,omitempty"`
	Order     int    `json:"order"`
}

type output struct {
	Phase           string        `json:"phase"`
	Message         string        `json:"message"`
	DurationSeconds float64       `json:"durationSeconds"`
	TimedOut        bool          `json:"timedOut,omitempty"`
	Retries         int           `json:"retries,omitempty"`
	Resources       []resourceOut `json:"resources"`
}

func gcMark(app string, key kube.ResourceKey) string {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s/", app)
	_, _ = h.Write([]byte(strings.Join([]string{key.Group, key.Kind, key.Name}, "/")))
	return "sha256." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// readManifests reads every *.yaml / *.yml / *.json file directly in dir (not below it).
func readManifests(dir, app string) ([]*unstructured.Unstructured, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var res []*unstructured.Unstructured
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		items, err := kube.SplitYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		res = append(res, items...)
	}
	for _, obj := range res {
		annotations := obj.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[annotationGCMark] = gcMark(app, kube.GetResourceKey(obj))
		obj.SetAnnotations(annotations)
	}
	return res, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gitops-sync: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	var (
		kubeconfig = flag.String("kubeconfig", "", "kubeconfig of the cluster")
		dir        = flag.String("dir", "", "folder of manifests (its *.yaml files, not recursive)")
		namespace  = flag.String("namespace", "", "namespace for namespaced objects without one (the Application's destination namespace)")
		name       = flag.String("name", "gitops-sync", "application name: keys the gc-mark, so what a later sync of the same name may prune")
		prune      = flag.Bool("prune", false, "prune managed objects that are no longer in the folder")
		pruneLast  = flag.Bool("prune-last", false, "Argo CD's PruneLast=true sync option: prune after every wave")
		timeout    = flag.Duration("timeout", 300*time.Second, "give up (terminate the operation) after this long")
		waveDelay  = flag.Duration("wave-delay", 2*time.Second, "pause between waves, as Argo CD's controller (ARGOCD_SYNC_WAVE_DELAY)")
		verbosity  = flag.Int("v", 0, "engine log on stderr: 0 none, 1 info, 2+ more")
		retryLimit = flag.Int("retry-limit", 0, "Argo CD's syncPolicy.retry.limit: after a failed operation, start a new one up to this many times")
		retryWait  = flag.Duration("retry-backoff", 10*time.Second, "syncPolicy.retry.backoff.duration: the wait before the first retry, doubled after each (backoff.factor 2)")
		healthLua  = flag.String("health-lua", "", "JSON file of Argo CD health customizations, {\"<group>_<Kind>\": {\"script\": \"<lua>\", \"useOpenLibs\": bool}} (argocd-cm resource.customizations.health.*, .useOpenLibs.*)")
		settle     = flag.Duration("settle", 0, "after a successful operation, wait up to this long for every object to be Healthy (Argo CD keeps assessing an application's health after its sync)")
	)
	flag.Parse()
	if *kubeconfig == "" || *dir == "" || *namespace == "" {
		fail("usage: gitops-sync --kubeconfig K --dir DIR --namespace NS [--name APP] [--prune] [--prune-last] [--timeout 300s] [--wave-delay 2s]")
	}
	start := time.Now()
	log := logr.Discard()
	if *verbosity > 0 {
		log = textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(*verbosity-1), textlogger.Output(os.Stderr)))
	}

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail("kubeconfig: %v", err)
	}
	config.QPS, config.Burst = 100, 200
	target, err := readManifests(*dir, *name)
	if err != nil {
		fail("reading %s: %v", *dir, err)
	}

	clusterCache := cache.NewClusterCache(config,
		cache.SetLogr(log),
		cache.SetPopulateResourceInfoHandler(func(un *unstructured.Unstructured, _ bool) (any, bool) {
			mark := un.GetAnnotations()[annotationGCMark]
			return &resourceInfo{gcMark: mark}, mark != ""
		}),
	)
	if err := clusterCache.EnsureSynced(); err != nil {
		fail("cluster cache: %v", err)
	}
	defer clusterCache.Invalidate()
	isManaged := func(r *cache.Resource) bool {
		info, ok := r.Info.(*resourceInfo)
		return ok && info.gcMark == gcMark(*name, r.ResourceKey())
	}

	var healthOverride health.HealthOverride
	if *healthLua != "" {
		scripts, err := readLuaHealth(*healthLua)
		if err != nil {
			fail("--health-lua: %v", err)
		}
		healthOverride = scripts
	}

	kubectl := &kube.KubectlCmd{Log: log, Tracer: tracing.NopTracer{}}
	foreground := metav1.DeletePropagationForeground // Argo CD's default PrunePropagationPolicy
	opts := []sync.SyncOpt{
		sync.WithLogr(log),
		sync.WithPrune(*prune),
		sync.WithPruneLast(*pruneLast),
		sync.WithPrunePropagationPolicy(&foreground),
		sync.WithHealthOverride(healthOverride),
		sync.WithSyncWaveHook(func(_ common.SyncPhase, _ int, finalWave bool) error {
			if !finalWave && *waveDelay > 0 {
				time.Sleep(*waveDelay)
			}
			return nil
		}),
	}

	// Wake the loop when anything in the cache changes (engine.Sync waits the same way).
	updated := make(chan struct{}, 1)
	unsubscribe := clusterCache.OnResourceUpdated(func(_, _ *cache.Resource, _ map[kube.ResourceKey]*cache.Resource) {
		select {
		case updated <- struct{}{}:
		default:
		}
	})
	defer unsubscribe()

	// One round per change, as Argo CD's application controller runs an operation: a fresh
	// comparison of the manifests with the live objects, a new sync context that resumes from
	// the previous round's state (WithInitialState), one Sync step. (Reusing one sync context,
	// as engine.Sync does, never sees the live objects it created and waits forever for them.)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	timedOut := false
	phase, message := common.OperationRunning, ""
	var results []common.ResourceSyncResult
	startedAt := metav1.NewTime(start)
	var syncCtx sync.SyncContext
	var cleanup func()
	round := func() {
		managed, err := clusterCache.GetManagedLiveObjs(target, isManaged)
		if err != nil {
			phase, message = common.OperationError, fmt.Sprintf("managed live objects: %v", err)
			return
		}
		result := sync.Reconcile(target, managed, *namespace, clusterCache)
		if cleanup != nil {
			cleanup()
		}
		syncCtx, cleanup, err = sync.NewSyncContext("sim", result, config, config, kubectl, *namespace,
			append(opts, sync.WithInitialState(phase, message, results, startedAt))...)
		if err != nil {
			phase, message = common.OperationError, fmt.Sprintf("sync context: %v", err)
			return
		}
		syncCtx.Sync(ctx)
		phase, message, results = syncCtx.GetState()
	}
	retries := 0
	backoff := *retryWait
	for {
		round()
		if phase.Completed() && phase.Successful() {
			break
		}
		if phase.Completed() {
			// A failed operation: Argo CD's controller starts a new one after the Application's
			// retry backoff, until its limit (a timeout here is the observer giving up, not a failure).
			if retries >= *retryLimit {
				break
			}
			retries++
			select {
			case <-ctx.Done():
				timedOut = true
			case <-time.After(backoff):
			}
			if timedOut {
				break
			}
			backoff *= 2
			phase, message, results, startedAt = common.OperationRunning, "", nil, metav1.Now()
			continue
		}
		select {
		case <-ctx.Done():
			timedOut = true
		case <-time.After(time.Second):
		case <-updated:
			// let a burst of updates settle
			time.Sleep(50 * time.Millisecond)
		}
		if timedOut {
			break
		}
	}
	if timedOut && syncCtx != nil {
		// What the operation was waiting for, then stop it (hooks in flight are deleted).
		message = fmt.Sprintf("timed out after %s: %s", *timeout, message)
		tctx, tcancel := context.WithTimeout(context.Background(), 10*time.Second)
		syncCtx.Terminate(tctx)
		tcancel()
		phase = common.OperationFailed
	}
	if cleanup != nil {
		defer cleanup()
	}

	// Health and wave of each object, from the live state and the manifests.
	waves := map[kube.ResourceKey]int{}
	for _, obj := range target {
		key := kube.GetResourceKey(obj)
		if key.Namespace == "" {
			if scoped, err := clusterCache.IsNamespaced(obj.GroupVersionKind().GroupKind()); err == nil && scoped {
				key.Namespace = *namespace
			}
		}
		waves[key] = syncwaves.Wave(obj)
	}
	time.Sleep(300 * time.Millisecond) // let the cache catch up with objects created last
	live, _ := clusterCache.GetManagedLiveObjs(target, isManaged)
	// The engine's wave gate does not hold the last wave to health; Argo CD goes on assessing
	// it. --settle waits, with the same health checks, until everything is Healthy.
	settleStart := time.Now()
	for *settle > 0 && phase == common.OperationSucceeded && time.Since(settleStart) < *settle {
		healthy := true
		for key, obj := range live {
			if obj == nil || isHookObject(obj) {
				continue
			}
			if _, ok := waves[key]; !ok {
				continue
			}
			if h, err := health.GetResourceHealth(obj, healthOverride); err == nil && h != nil && h.Status != health.HealthStatusHealthy {
				healthy = false
				break
			}
		}
		if healthy {
			break
		}
		time.Sleep(500 * time.Millisecond)
		live, _ = clusterCache.GetManagedLiveObjs(target, isManaged)
	}
	out := output{Phase: string(phase), Message: message, DurationSeconds: time.Since(start).Seconds(), TimedOut: timedOut, Retries: retries, Resources: []resourceOut{}}
	for _, r := range results {
		o := resourceOut{
			Group: r.ResourceKey.Group, Kind: r.ResourceKey.Kind, Namespace: r.ResourceKey.Namespace, Name: r.ResourceKey.Name,
			SyncPhase: string(r.SyncPhase), HookType: string(r.HookType), HookPhase: string(r.HookPhase),
			Status: string(r.Status), Message: r.Message, Order: r.Order,
		}
		if w, ok := waves[r.ResourceKey]; ok {
			w := w
			o.Wave = &w
		}
		if obj, ok := live[r.ResourceKey]; ok && obj != nil && r.HookType == "" {
			if h, err := health.GetResourceHealth(obj, healthOverride); err == nil && h != nil {
				o.Health, o.HealthMsg = string(h.Status), h.Message
			}
		}
		out.Resources = append(out.Resources, o)
	}
	sort.SliceStable(out.Resources, func(i, j int) bool { return out.Resources[i].Order < out.Resources[j].Order })
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
	if phase != common.OperationSucceeded {
		os.Exit(1)
	}
}

// isHookObject: an Argo CD hook (its health is its run, reported by the sync, not assessed after).
func isHookObject(obj *unstructured.Unstructured) bool {
	_, ok := obj.GetAnnotations()["argocd.argoproj.io/hook"]
	return ok
}
