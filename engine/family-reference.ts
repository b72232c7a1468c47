/**
 * `fusebench families --json`: every family with every implementation on every side, TypeScript and
 * PyTorch, as a user looking for a form to name needs it: where it runs, what it is in PyTorch, which
 * weights layout its files hold, and the shapes of the layer's input and output in each side's layout.
 */
import { parseConfig } from './core/config.js';
import { pytorchActivationShape } from './core/pytorch-layout.js';
import type { ImplementationInfo } from './core/types.js';
import { FAMILIES } from './families/index.js';
import { formName, pytorchLayout } from './weights.js';
import { TFJS_BACKENDS, type BackendName } from './core/backend-names.js';

export interface ImplementationReference extends ImplementationInfo {
  /** The backends it runs on. */
  backends: BackendName[];
  /** On torch, what it runs as: the PyTorch idiom (e.g. `Conv2d(groups=g)`). */
  pytorch?: string;
  /** The weights layout its files hold (`convert --to`, `--from`): `serial`, its own, or the one it shares. */
  weights: string;
}

export interface FamilyReference {
  name: string;
  title: string;
  summary: string;
  /** Every config key with its default (the seed's shapes), and the small shapes `verify` uses. */
  config: Record<string, unknown>;
  small: Record<string, unknown>;
  implementations: ImplementationReference[];
  /** The layer's input and output at the default config, in each side's own layout. */
  shapes: {
    typescript: { layout: string; input: number[]; output: number[] };
    pytorch: { layout: string; input: number[]; output: number[] };
  };
}

/** Needs an active TensorFlow.js backend (a WGSL form's shared layout is found by converting weights). */
export function familyReference(): FamilyReference[] {
  return FAMILIES.map((family) => {
    const config = parseConfig<Record<string, unknown>>(family, {});
    const layout = pytorchLayout<object>(family);
    const torch = family.torch ?? [];
    const ts = family.implementations.map((i): ImplementationReference => {
      const onTorch = torch.find((t) => t.name === i.name);
      return {
        name: i.name,
        role: i.role,
        summary: i.summary,
        primitive: i.primitive,
        ...(i.baseline ? { baseline: i.baseline } : {}),
        backends: [...(i.backends ?? TFJS_BACKENDS), ...(onTorch ? ['torch' as const] : [])],
        ...(onTorch ? { pytorch: `${onTorch.primitive}: ${onTorch.summary}` } : {}),
        weights: formName(family, i.name),
      };
    });
    const torchOnly = torch
      .filter((t) => !family.implementations.some((i) => i.name === t.name))
      .map((t): ImplementationReference => ({
        ...t,
        backends: ['torch'],
        pytorch: `${t.primitive}: ${t.summary}`,
        weights: formName(family, t.name),
      }));
    const feature = layout.input === 'feature-map';
    return {
      name: family.name,
      title: family.title,
      summary: family.summary,
      config,
      small: parseConfig(family, family.small),
      implementations: [...ts, ...torchOnly],
      shapes: {
        typescript: { layout: feature ? 'NHWC' : 'as is', input: family.inputShape(config), output: family.outputShape(config) },
        pytorch: {
          layout: feature ? 'NCHW' : 'as is',
          input: pytorchActivationShape(layout.input, family.inputShape(config)),
          output: pytorchActivationShape(layout.output, family.outputShape(config)),
        },
      },
    };
  });
}
