/**
 * The three.js side of the viewer: builds one mesh per MuJoCo geom from a SceneDesc and, every animation
 * frame, copies the newest pose frame (geom_xpos ngeom×3, then row-major geom_xmat ngeom×9) into the mesh
 * matrices. World is z-up like MuJoCo. It renders only when a new frame arrived or the camera moved, and
 * dispose() releases every GPU resource it created (design §5.5).
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import type { SceneDesc } from '../../workers/protocol';
import { GEOM_PLANE, checkerTexture, geometryFor, planeHalfSize } from './geometry';

/** Newest pose frame and a counter that changes whenever a new frame arrives. */
export interface FrameSource {
  frame(): Float32Array | null;
  version(): number;
}

/** MuJoCo draws geom groups 0–2 by default; higher groups are collision-only or hidden. */
const MAX_VISIBLE_GROUP = 2;

const BACKGROUND = { dark: 0x15181c, light: 0xe9ecf0 } as const;

/** True when WebGL is rendered in software (same test as the tfjs backend manager, spec/tfjs-backends.md §6.2). */
function isSoftwareRenderer(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return false;
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software|basic render/i.test(renderer);
}

/** Minimum time between two draws on a software renderer (~20 fps). */
const SOFTWARE_FRAME_MS = 50;

export class ViewerScene {
  readonly renderer: THREE.WebGLRenderer;
  /** WebGL runs on a software rasteriser (SwiftShader, llvmpipe). */
  readonly software: boolean;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(45, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private readonly root = new THREE.Group();
  private readonly lights = new THREE.Group();
  private readonly sun = new THREE.DirectionalLight(0xffffff, 2.2);
  /** Drawn objects by geom id (null for geoms that are not drawn). */
  private objects: (THREE.Mesh | null)[] = [];
  private desc: SceneDesc | null = null;
  private raf = 0;
  private lastVersion = -1;
  private dirty = true;
  private readonly resizeObserver: ResizeObserver;
  /** Called after each rendered frame (e.g. for a HUD); not React state. */
  onRender: ((rendered: number) => void) | null = null;
  private rendered = 0;
  /** Camera tracking of the moving bodies (live follow of a run); the tracked point at the last frame. */
  private tracking = false;
  private tracked: [number, number] | null = null;

  constructor(
    private readonly container: HTMLElement,
    private readonly source: FrameSource,
    theme: 'dark' | 'light',
  ) {
    // On a software rasteriser (no GPU) drop anti-aliasing and high-DPI so the page stays responsive.
    this.software = isSoftwareRenderer();
    this.renderer = new THREE.WebGLRenderer({ antialias: !this.software, powerPreference: 'high-performance' });
    this.renderer.setPixelRatio(this.software ? 1 : Math.min(globalThis.devicePixelRatio || 1, 2));
    // Software WebGL (SwiftShader/llvmpipe) shares the CPU with the training workers: no shadows there.
    this.renderer.shadowMap.enabled = !this.software;
    this.renderer.shadowMap.type = THREE.PCFSoftShadowMap;
    this.renderer.domElement.tabIndex = 0;
    this.renderer.domElement.dataset.testid = 'viewer-canvas';
    this.renderer.domElement.setAttribute('aria-label', '3-D view of the simulation; drag to orbit, scroll to zoom');
    container.appendChild(this.renderer.domElement);

    this.camera.up.set(0, 0, 1);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', this.markDirty);

    this.lights.add(new THREE.HemisphereLight(0xdde6f0, 0x30343a, 1.1));
    this.sun.castShadow = true;
    this.sun.shadow.mapSize.setScalar(this.software ? 512 : 2048);
    this.lights.add(this.sun, this.sun.target);
    this.scene.add(this.lights, this.root);
    this.setTheme(theme);

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    this.raf = requestAnimationFrame(this.loop);
  }

  setTheme(theme: 'dark' | 'light'): void {
    this.scene.background = new THREE.Color(BACKGROUND[theme]);
    this.dirty = true;
  }

  /** Replaces the drawn model (disposing the previous one) and frames the camera on it. */
  setScene(desc: SceneDesc): void {
    this.clearModel();
    this.desc = desc;
    this.objects = desc.geoms.map((geom) => {
      if (geom.group > MAX_VISIBLE_GROUP || geom.rgba[3] <= 0) return null;
      const geometry = geometryFor(geom, desc);
      if (!geometry) return null;
      const [r, g, b, a] = geom.rgba;
      const material = new THREE.MeshStandardMaterial({
        color: new THREE.Color().setRGB(r, g, b, THREE.SRGBColorSpace),
        roughness: geom.type === GEOM_PLANE ? 0.95 : 0.55,
        metalness: 0.05,
        transparent: a < 1,
        opacity: a,
      });
      if (geom.type === GEOM_PLANE) {
        const [hx, hy] = planeHalfSize(geom, desc);
        const cell = Math.max(0.05, Math.round(desc.extent * 10) / 100);
        material.map = checkerTexture((2 * hx) / cell, (2 * hy) / cell);
      }
      const mesh = new THREE.Mesh(geometry, material);
      mesh.matrixAutoUpdate = false;
      mesh.castShadow = geom.type !== GEOM_PLANE;
      mesh.receiveShadow = true;
      this.root.add(mesh);
      return mesh;
    });
    this.placeLights(desc);
    this.resetView();
    this.lastVersion = -1;
  }

  /**
   * While on, the camera, its target and the sun move with the mean horizontal position of the drawn bodies
   * (planes left out), so a walker followed live stays in view; off puts the default view back. A scene whose
   * description asks for it (SceneDesc.trackCamera: locomotion) is tracked either way.
   */
  setTracking(on: boolean): void {
    if (on === this.tracking) return;
    this.tracking = on;
    this.tracked = null;
    if (!on) {
      if (this.desc) this.placeLights(this.desc);
      this.resetView();
    }
  }

  /** Puts the orbit camera back to its default view of the model (shortcut R). */
  resetView(): void {
    this.tracked = null;
    const d = this.desc;
    const center = new THREE.Vector3(...(d?.center ?? [0, 0, 0]));
    const dist = 1.5 * Math.max(0.3, d?.extent ?? 1);
    this.camera.position.set(center.x + dist * 0.6, center.y - dist * 0.75, center.z + dist * 0.35);
    this.camera.near = dist / 200;
    this.camera.far = dist * 40;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(center);
    this.controls.update();
    this.dirty = true;
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    this.resizeObserver.disconnect();
    this.controls.removeEventListener('change', this.markDirty);
    this.controls.dispose();
    this.clearModel();
    this.sun.shadow.map?.dispose();
    this.sun.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }

  private readonly markDirty = (): void => {
    this.dirty = true;
  };

  private placeLights(desc: SceneDesc): void {
    const [cx, cy, cz] = desc.center;
    const e = Math.max(0.5, desc.extent);
    this.sun.position.set(cx + 0.6 * e, cy - 0.4 * e, cz + 2.5 * e);
    this.sun.target.position.set(cx, cy, cz);
    const cam = this.sun.shadow.camera;
    cam.left = -1.5 * e;
    cam.right = 1.5 * e;
    cam.top = 1.5 * e;
    cam.bottom = -1.5 * e;
    cam.near = 0.1 * e;
    cam.far = 6 * e;
    cam.updateProjectionMatrix();
  }

  private clearModel(): void {
    for (const mesh of this.objects) {
      if (!mesh) continue;
      this.root.remove(mesh);
      mesh.geometry.dispose();
      const material = mesh.material as THREE.MeshStandardMaterial;
      material.map?.dispose();
      material.dispose();
    }
    this.objects = [];
    this.desc = null;
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }

  /** Copies pose frame `f` into the mesh matrices. */
  private applyFrame(f: Float32Array): void {
    const n = this.objects.length;
    if (f.length !== 12 * n) return;
    for (let i = 0; i < n; i++) {
      const mesh = this.objects[i];
      if (!mesh) continue;
      const p = 3 * i;
      const m = 3 * n + 9 * i;
      // Matrix4.set takes row-major arguments, like MuJoCo's xmat.
      mesh.matrix.set(f[m], f[m + 1], f[m + 2], f[p], f[m + 3], f[m + 4], f[m + 5], f[p + 1], f[m + 6], f[m + 7], f[m + 8], f[p + 2], 0, 0, 0, 1);
      mesh.matrixWorldNeedsUpdate = true;
    }
    if (this.tracking || this.desc?.trackCamera) this.track(f, n);
  }

  /** Moves the view by how far the bodies' mean x, y moved since the last frame. */
  private track(f: Float32Array, n: number): void {
    let x = 0;
    let y = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (!this.objects[i] || this.desc?.geoms[i].type === GEOM_PLANE) continue;
      x += f[3 * i];
      y += f[3 * i + 1];
      k++;
    }
    if (k === 0) return;
    const now: [number, number] = [x / k, y / k];
    if (this.tracked) {
      const d = new THREE.Vector3(now[0] - this.tracked[0], now[1] - this.tracked[1], 0);
      this.camera.position.add(d);
      this.controls.target.add(d);
      this.sun.position.add(d);
      this.sun.target.position.add(d);
      this.controls.update();
    }
    this.tracked = now;
  }

  private lastRenderAt = 0;

  private readonly loop = (): void => {
    this.raf = requestAnimationFrame(this.loop);
    const version = this.source.version();
    if (version !== this.lastVersion) {
      const f = this.source.frame();
      if (f) this.applyFrame(f);
      this.lastVersion = version;
      this.dirty = true;
    }
    if (!this.dirty) return;
    // On a software renderer, cap drawing at ~20 fps so the page and the workers keep their share of the CPU.
    const now = performance.now();
    if (this.software && now - this.lastRenderAt < SOFTWARE_FRAME_MS) return;
    this.lastRenderAt = now;
    this.dirty = false;
    this.renderer.render(this.scene, this.camera);
    this.rendered++;
    this.onRender?.(this.rendered);
  };
}
