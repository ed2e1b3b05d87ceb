"""The routing core: an engine-independent model, our evaluator, and engines behind one API.

Typical use::

    problem = RoutingProblem(duration_s, distance_m, vehicles, jobs, pairs, pinned)
    result = solve(problem, SolveParams(time_limit_s=5, seed=1), warm_start=previous_routes)
    best_insertion(problem, result.evaluation.route_jobs, new_job)
"""

from solver.routing.evaluator import evaluate as evaluate
from solver.routing.insertion import Insertion as Insertion
from solver.routing.insertion import best_insertion as best_insertion
from solver.routing.insertion import greedy_routes as greedy_routes
from solver.routing.model import UNLIMITED as UNLIMITED
from solver.routing.model import Job as Job
from solver.routing.model import Pair as Pair
from solver.routing.model import Routes as Routes
from solver.routing.model import RoutingProblem as RoutingProblem
from solver.routing.model import Vehicle as Vehicle
from solver.routing.params import SolveParams as SolveParams
from solver.routing.result import CostBreakdown as CostBreakdown
from solver.routing.result import Evaluation as Evaluation
from solver.routing.result import RoutePlan as RoutePlan
from solver.routing.result import RoutingResult as RoutingResult
from solver.routing.result import Status as Status
from solver.routing.result import Stop as Stop
from solver.routing.solve import solve as solve
