/**
 * The vetted set: the major, widely audited libraries a team may ship to production without a separate review.
 * Everything else is "contrib" and must be reviewed and pinned. The default below is the setting
 * `mlops.lint.vettedPackages`'s default; a workspace extends it in `.mlops/policy.json` (`"vetted": [...]`).
 * A name that contains "contrib" is never vetted by default.
 */
import { normalizeName } from './pep508';

export const DEFAULT_VETTED: readonly string[] = [
  // numerics and data
  'numpy', 'scipy', 'pandas', 'polars', 'pyarrow', 'dask', 'numba', 'statsmodels', 'sympy',
  // machine learning
  'scikit-learn', 'xgboost', 'lightgbm', 'catboost', 'tensorflow', 'tensorflow-cpu', 'tensorflow-gpu', 'keras',
  'torch', 'pytorch', 'torchvision', 'torchaudio', 'jax', 'jaxlib', 'flax', 'optax', 'transformers', 'tokenizers',
  'datasets', 'accelerate', 'safetensors', 'huggingface-hub', 'sentencepiece', 'lightning', 'pytorch-lightning',
  'onnx', 'onnxruntime', 'spacy', 'nltk', 'gensim', 'opencv-python', 'opencv-python-headless', 'pillow',
  'scikit-image', 'mlflow', 'optuna',
  // plotting and notebooks
  'matplotlib', 'seaborn', 'plotly', 'bokeh', 'ipython', 'ipykernel', 'jupyter', 'jupyterlab', 'notebook', 'ipywidgets',
  // general-purpose infrastructure
  'requests', 'urllib3', 'pydantic', 'sqlalchemy', 'pyyaml', 'protobuf', 'grpcio', 'fastapi', 'flask', 'uvicorn',
  'click', 'tqdm', 'joblib', 'packaging', 'setuptools', 'wheel', 'pip', 'six', 'typing-extensions', 'attrs',
  'python-dateutil', 'pytz', 'cloudpickle', 'fsspec', 'h5py', 'boto3', 'google-cloud-storage',
  // testing
  'pytest', 'pytest-cov', 'hypothesis',
  // conda-only names of the same things
  'python', 'cudatoolkit', 'pytorch-cuda', 'cuda-toolkit', 'cudnn', 'mkl',
];

/** Module names that differ from their distribution names. */
export const MODULE_TO_PACKAGE: Readonly<Record<string, string>> = {
  sklearn: 'scikit-learn', cv2: 'opencv-python', PIL: 'pillow', yaml: 'pyyaml', skimage: 'scikit-image',
  dateutil: 'python-dateutil', google: 'google-cloud-storage', pl: 'pytorch-lightning', pytorch_lightning: 'pytorch-lightning',
  huggingface_hub: 'huggingface-hub', typing_extensions: 'typing-extensions', IPython: 'ipython', lightning: 'lightning',
};

export function vettedSet(extra: readonly string[] = [], base: readonly string[] = DEFAULT_VETTED): Set<string> {
  return new Set([...base, ...extra].map(normalizeName));
}

export function isVetted(name: string, vetted: ReadonlySet<string>): boolean {
  const n = normalizeName(name);
  if (n.includes('contrib') && !vetted.has(n)) { return false; }
  return vetted.has(n);
}
