/**
 * The viewer's demo scene: an undamped double pendulum that keeps swinging, and one falling primitive of
 * every geom type the viewer draws (sphere, box, capsule, cylinder, ellipsoid and a small mesh written as
 * inline vertices) on a checker plane. Colours come from geom rgba and from materials, so both paths of
 * sim/sceneDesc.ts are exercised. `usethread="false"`: meshes must not start compiler threads in the
 * browser (spec/mujoco-wasm.md §9).
 */
export const DEMO_XML = `
<mujoco model="demo">
  <compiler angle="radian" usethread="false"/>
  <option timestep="0.002" integrator="implicitfast"/>
  <size memory="2M"/>
  <visual><global offwidth="640" offheight="480"/></visual>
  <asset>
    <material name="steel" rgba="0.62 0.66 0.72 1"/>
    <material name="orange" rgba="0.90 0.62 0.00 1"/>
    <material name="sky" rgba="0.34 0.71 0.91 1"/>
    <material name="floor" rgba="0.20 0.22 0.26 1"/>
    <mesh name="gem" vertex="0 0 0.09  0.07 0 0  0 0.07 0  -0.07 0 0  0 -0.07 0  0 0 -0.09"/>
  </asset>
  <worldbody>
    <light pos="0 0 3" dir="0 0 -1"/>
    <geom name="floor" type="plane" size="0.9 0.9 0.05" material="floor"/>
    <geom name="post" type="cylinder" fromto="-0.45 0 0 -0.45 0 0.95" size="0.02" material="steel"/>
    <geom name="beam" type="box" pos="-0.45 0.08 0.95" size="0.03 0.1 0.03" material="steel"/>
    <body name="link1" pos="-0.45 0.2 0.95">
      <joint name="hinge1" type="hinge" axis="0 1 0" damping="0"/>
      <geom name="link1" type="capsule" fromto="0 0 0 0 0 -0.3" size="0.025" material="orange"/>
      <body name="link2" pos="0 0 -0.3">
        <joint name="hinge2" type="hinge" axis="0 1 0" damping="0"/>
        <geom name="link2" type="capsule" fromto="0 0 0 0 0 -0.28" size="0.022" material="sky"/>
        <geom name="bob" type="sphere" pos="0 0 -0.28" size="0.045" rgba="0.80 0.47 0.65 1"/>
      </body>
    </body>
    <body name="ball" pos="0.05 -0.25 0.6"><freejoint/>
      <geom type="sphere" size="0.06" rgba="0.00 0.62 0.45 1"/></body>
    <body name="crate" pos="0.25 0.1 0.8" euler="0.3 0.2 0.5"><freejoint/>
      <geom type="box" size="0.06 0.05 0.04" rgba="0.94 0.89 0.26 1"/></body>
    <body name="pill" pos="0.1 0.3 1.0" euler="1.1 0.4 0"><freejoint/>
      <geom type="capsule" size="0.035 0.07" material="sky"/></body>
    <body name="can" pos="0.35 -0.2 1.1" euler="0.6 0 0.3"><freejoint/>
      <geom type="cylinder" size="0.045 0.06" rgba="0.84 0.37 0.00 1"/></body>
    <body name="egg" pos="-0.1 0.05 1.25" euler="0 0.8 0.2"><freejoint/>
      <geom type="ellipsoid" size="0.08 0.05 0.035" material="orange"/></body>
    <body name="gem" pos="0.2 -0.4 1.4" euler="0.5 0.5 0"><freejoint/>
      <geom type="mesh" mesh="gem" rgba="0.80 0.47 0.65 1"/></body>
  </worldbody>
</mujoco>
`;

/** Names of the free bodies whose start poses reset() perturbs. */
export const DEMO_FREE_BODIES = ['ball', 'crate', 'pill', 'can', 'egg', 'gem'] as const;
