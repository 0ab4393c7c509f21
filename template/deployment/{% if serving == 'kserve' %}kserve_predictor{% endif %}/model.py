"""`ChampionModel`: the champion as a `kserve.Model`, over the code the batch job shares.

Requests are validated by the input schema generated from configs/data.yaml (the same rules as
the batch job: types, ranges, allowed values, unknown fields rejected); a request that breaks
them is answered 400, never 500. Predictions come from the shared `Predictor` (the compiled
numpy path when it agrees with scikit-learn), are counted in the Prometheus metrics and written
to the prediction log the monitoring phase reads.

V1 `POST /v1/models/<name>:predict`:
    {"instances": [{"<column>": value, ...}, ...]}
 -> {"predictions": [{"prediction": ..., "probability": ...}, ...], "model_name", "model_version"}
V2 `POST /v2/models/<name>/infer`: one input tensor per column, shape [n] (or [n, 1]):
    {"inputs": [{"name": "<column>", "shape": [n], "datatype": "FP64", "data": [...]}, ...]}
 -> outputs `prediction` [n], `probability` [n] (classification), `probabilities` [n, k]
    (multiclass; the class names in its parameters).

Readiness (`GET /v1/models/<name>`, `GET /v2/models/<name>/ready`) is 200 only once the model is
loaded; until then those and the prediction routes answer 503 and loading is retried every
MODEL_RETRY_SECONDS in the background. Loading, the prediction path, the metrics and the
prediction log are those of the prediction API (deployment/api: model_state, metrics,
prediction_log).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from kserve import InferOutput, InferRequest, InferResponse, Model
from kserve.errors import InvalidInput, ModelNotReady
from pydantic import ValidationError

from deployment.api.config import ServingConfig
from deployment.api.model_state import ModelNotReadyError, ModelState
from deployment.api.model_state import predict as predict_values
from deployment.api.prediction_log import PredictionLog
from deployment.inference.predictor import Predictions, Predictor
from deployment.inference.schema import InputSchema

V2_DATATYPES = frozenset(
    {"BOOL", "BYTES", "FP16", "FP32", "FP64"}
    | {f"{sign}INT{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64)}
)
MAX_ERRORS = 5


@dataclass(frozen=True)
class Batch:
    """Validated rows of one request and how to answer it."""

    rows: list[dict[str, Any]]
    v2_id: str | None = None  # the V2 request id; None for a V1 request


class ChampionModel(Model):
    def __init__(
        self,
        config: ServingConfig,
        schema: InputSchema,
        prediction_log: PredictionLog | None = None,
    ) -> None:
        super().__init__(config.model_name)
        self.config, self.schema = config, schema
        self.row_model = schema.row_model
        self.state = ModelState(config, schema)
        self.prediction_log = prediction_log or PredictionLog(config.prediction_log_dir)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def predictor(self) -> Predictor | None:
        return self.state.predictor

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """The server's lifespan: load the model (retried every MODEL_RETRY_SECONDS in the
        background while that fails) and run the prediction log; stop both on the way out."""
        await self.state.start()
        self.prediction_log.start()
        try:
            yield
        finally:
            await self.state.stop()
            await self.prediction_log.close()

    async def healthy(self) -> bool:
        """Readiness (kserve's model ready routes and the prediction routes): a model is loaded."""
        self.ready = self.state.predictor is not None
        return self.ready

    # -- the protocol (V2 model metadata) ----------------------------------------------------

    def get_input_types(self) -> list[dict[str, Any]]:
        return [
            {"name": c.name, "datatype": "FP64" if c.role == "numeric" else "BYTES", "shape": [-1]}
            for c in self.schema.columns
        ]

    def get_output_types(self) -> list[dict[str, Any]]:
        classes = None if self.predictor is None else self.predictor.classes
        if self.schema.problem_type == "regression":
            return [{"name": "prediction", "datatype": "FP64", "shape": [-1]}]
        labels = "BYTES" if classes is None else _datatype(classes.tolist())
        out = [
            {"name": "prediction", "datatype": labels, "shape": [-1]},
            {"name": "probability", "datatype": "FP64", "shape": [-1]},
        ]
        if self.schema.problem_type == "multiclass_classification":
            out.append({"name": "probabilities", "datatype": "FP64", "shape": [-1, -1]})
        return out

    # -- request -> rows ---------------------------------------------------------------------

    async def preprocess(self, payload: Any, headers: dict[str, str] | None = None) -> Batch:
        if isinstance(payload, InferRequest):
            rows = self._v2_rows(payload)
            return Batch(self._validated(rows, "inputs"), payload.id or _request_id(headers))
        if isinstance(payload, bytes | str):  # kserve parses only JSON content types
            raise InvalidInput("send the body as JSON (Content-Type: application/json)")
        if not isinstance(payload, dict) or set(payload) - {"instances"}:
            raise InvalidInput('the body must be a JSON object {"instances": [row, ...]}')
        instances = payload.get("instances")
        if not isinstance(instances, list) or not all(isinstance(r, dict) for r in instances):
            raise InvalidInput('"instances" must be a list of objects, one per row')
        return Batch(self._validated(instances, "instances"))

    def _v2_rows(self, request: InferRequest) -> list[dict[str, Any]]:
        columns: dict[str, list[Any]] = {}
        for tensor in request.inputs:
            name = tensor.name
            if name in columns:
                raise InvalidInput(f"input {name!r} is given twice")
            if tensor.datatype not in V2_DATATYPES:
                raise InvalidInput(f"input {name!r}: unknown datatype {tensor.datatype!r}")
            shape = [int(s) for s in tensor.shape]
            data = tensor.data
            if len(shape) == 2 and shape[1] == 1 and isinstance(data, list):
                data = [v[0] if isinstance(v, list) and len(v) == 1 else v for v in data]
            elif len(shape) != 1:
                raise InvalidInput(f"input {name!r}: shape must be [n] or [n, 1], got {shape}")
            if not isinstance(data, list) or len(data) != shape[0]:
                raise InvalidInput(f"input {name!r}: shape {shape} does not match its data")
            if tensor.datatype == "BYTES":
                data = [_text(name, v) for v in data]
            columns[name] = data
        sizes = {len(values) for values in columns.values()}
        if len(sizes) != 1:
            raise InvalidInput("every input must hold the same number of rows")
        n = sizes.pop()
        return [{name: values[i] for name, values in columns.items()} for i in range(n)]

    def _validated(self, rows: list[Any], where: str) -> list[dict[str, Any]]:
        if not 1 <= len(rows) <= self.config.max_batch_rows:
            raise InvalidInput(
                f"{where}: between 1 and {self.config.max_batch_rows} rows (MAX_BATCH_ROWS), "
                f"got {len(rows)}"
            )
        values = []
        for i, row in enumerate(rows):
            try:
                values.append(self.schema.row_values(self.row_model.model_validate(row)))
            except ValidationError as exc:
                problems = [
                    f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}"
                    for err in exc.errors()[:MAX_ERRORS]
                ]
                raise InvalidInput(f"{where} row {i}: " + "; ".join(problems)) from None
        return values

    # -- rows -> predictions -----------------------------------------------------------------

    async def predict(
        self, payload: Batch, headers: dict[str, str] | None = None
    ) -> dict[str, Any] | InferResponse:
        try:
            predictor, out = await predict_values(
                self.state, payload.rows, self.prediction_log, _request_id(headers)
            )
        except ModelNotReadyError as exc:
            raise ModelNotReady(self.name, str(exc)) from None
        if payload.v2_id is None:
            return {
                "predictions": [out.row(i) for i in range(len(payload.rows))],
                "model_name": predictor.info.name,
                "model_version": predictor.info.version,
            }
        return self._v2_response(payload.v2_id, predictor, out)

    def _v2_response(
        self, request_id: str, predictor: Predictor, out: Predictions
    ) -> InferResponse:
        n = len(out.labels)
        datatype = _datatype(out.labels)
        labels = [str(v) for v in out.labels] if datatype == "BYTES" else out.labels
        tensors = [InferOutput("prediction", [n], datatype, data=labels)]
        if out.probability is not None:
            tensors.append(InferOutput("probability", [n], "FP64", data=out.probability))
        if out.probabilities is not None:
            names = list(out.probabilities[0]) if n else []
            matrix = [[row[c] for c in names] for row in out.probabilities]
            tensors.append(
                InferOutput(
                    "probabilities",
                    [n, len(names)],
                    "FP64",
                    data=matrix,
                    parameters={"classes": ",".join(names)},
                )  # fmt: skip
            )
        return InferResponse(
            response_id=request_id,
            model_name=self.name,
            model_version=predictor.info.version,
            infer_outputs=tensors,
        )


def _request_id(headers: dict[str, str] | None) -> str:
    return (headers or {}).get("x-request-id", "")


def _text(name: str, value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"input {name!r}: BYTES data is not UTF-8 text") from None
    return value


def _datatype(labels: list[Any]) -> str:
    if all(isinstance(v, bool) for v in labels):
        return "BOOL"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
        return "INT64"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in labels):
        return "FP64"
    return "BYTES"
