"""Road travel times and distances across Poland (see ``docs/travel.md``)."""

from solver.travel.geodesic import GeodesicTravel as GeodesicTravel
from solver.travel.model import TravelModel as TravelModel
from solver.travel.network import RoadNetwork as RoadNetwork
from solver.travel.road import RoadTravel as RoadTravel
from solver.travel.speeds import RoadSpeeds as RoadSpeeds
