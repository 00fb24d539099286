"""Risk scoring (风险评分): models on any feature table, validation, registry, batch scoring, monitoring.

Light on import: the modules below pull in Polars, scikit-learn, optbinning and LightGBM only when used.

Public entry points:
    - ``accord.scoring.training.train(frame, target, id_column, ...)`` -> ``TrainResult``
    - ``accord.scoring.model.score_frame(model, frame)`` -> Polars frame (id, p_bad, score, reason_1..3)
    - ``accord.scoring.registry`` - ``save_model``, ``load_model``, ``register``, ``set_champion``, ``champion``
    - ``accord.scoring.metrics`` - ``auc``, ``ks``, ``gini``, ``lift_by_decile``, ``calibration_table``, ``psi``
    - ``accord.scoring.monitoring`` - ``drift(model, reference, new)``, ``drift_warnings(...)``
"""
