import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { stableLabels } from '../core/labels';
import { Environment } from '../environments/environment';
import { applyRetention } from '../gitops/sync-options';
import { applySyncWave } from '../gitops/sync-waves';

/** The folders the platform renders into, under `dist/<env>/`. */
export type PlatformFolder =
  /** The add-on Applications, their AppProject and the Namespaces they install into. */
  | 'platform'
  /** Cluster objects of the add-ons' kinds (ClusterIssuers, the ClusterSecretStore), applied once their CRDs exist. */
  | 'platform-config';

/** The recommended labels of a platform object named `name`: its own instance, part of the platform. */
export function platformLabels(name: string, component: string): Record<string, string> {
  return stableLabels({ name, instance: name, component, partOf: 'platform' });
}

/** Where bootstrap files go inside a platform folder: Argo CD reads `*.yaml` of the folder only (recurse: false). */
const BOOTSTRAP_FOLDER = 'bootstrap';

/**
 * One folder of an environment's platform layer, `dist/<env>/platform/` or
 * `dist/<env>/platform-config/`, synced by the `platform` Application of the root app of
 * apps (lib/gitops/argo-cd.ts) and by the `platform-config` Application the platform renders.
 */
export class PlatformChart extends Chart {
  /** A prototype check, as for SystemChart (cdk8s's own says yes to every chart). */
  public static [Symbol.hasInstance](o: unknown): o is PlatformChart {
    return Function.prototype[Symbol.hasInstance].call(this, o);
  }

  public readonly environment: Environment;
  public readonly folder: PlatformFolder;
  private readonly bootstrap = new Map<string, unknown>();

  constructor(scope: Construct, environment: Environment, folder: PlatformFolder) {
    super(scope, `${environment.name}-${folder}`, { disableResourceNameHashes: true });
    this.environment = environment;
    this.folder = folder;
  }

  /** Where the chart renders, relative to dist/. */
  public get outputDir(): string {
    return `${this.environment.name}/${this.folder}`;
  }

  /**
   * Adds a file that is not a manifest (e.g. the values of the hand-run `helm install` of
   * Argo CD), rendered as YAML to `<outputDir>/bootstrap/<name>`: Argo CD never applies it.
   */
  public addBootstrapFile(name: string, content: unknown): void {
    if (!/^[a-z0-9][a-z0-9.-]*\.yaml$/.test(name) || this.bootstrap.has(name)) {
      throw new Error(`${this.node.path}: bootstrap file "${name}" is not a new lowercase *.yaml name. Fix: give it a name of its own`);
    }
    this.bootstrap.set(name, content);
  }

  /** The bootstrap files, as paths relative to dist/ with their content. */
  public get bootstrapFiles(): ReadonlyArray<{ readonly path: string; readonly content: unknown }> {
    return [...this.bootstrap].map(([name, content]) => ({ path: `${this.outputDir}/${BOOTSTRAP_FOLDER}/${name}`, content }));
  }

  /** The chart's objects, with their sync waves and, for kinds that hold data, `Delete=false,Prune=false`. */
  public toJson(): any[] {
    const objects = super.toJson();
    objects.forEach(applySyncWave);
    objects.forEach(applyRetention);
    return objects;
  }
}
